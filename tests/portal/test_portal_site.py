"""The site map matches docs/demo-portal.md, every screen is served, and pages are accessible."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from demo_portal.site import SERVICES

CONTRACT = Path(__file__).resolve().parents[2] / "docs" / "demo-portal.md"


def contract_tables() -> dict[str, list[dict]]:
    """{service id: [{step, screen, fields, codes}]} from the tables of the contract."""
    services: dict[str, list[dict]] = {}
    current = None
    for line in CONTRACT.read_text().splitlines():
        heading = re.match(r"^### (\w+) — ", line)
        if heading:
            current = services.setdefault(heading.group(1), [])
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if current is None or len(cells) != 4 or not cells[1].startswith("`/"):
            continue
        current.append({
            "step": cells[0],
            "screen": cells[1].strip("`"),
            "fields": cells[2],
            "codes": set(re.findall(r"`([A-Z]+_[A-Z_]+)`", cells[3])),
            "codes_text": cells[3],
        })
    return services


def test_contract_has_every_service():
    assert set(contract_tables()) == set(SERVICES)


@pytest.mark.parametrize("service_id", list(SERVICES))
def test_site_map_matches_the_contract(client, service_id):
    site = client.get("/api/site").get_json()
    served = site["services"][service_id]
    rows = contract_tables()[service_id]
    assert served["screens"] == [row["screen"] for row in rows]
    by_step = {s["id"]: s for s in served["steps"]}
    parking_pay = next(s for s in site["services"]["apply_parking_permit"]["steps"]
                       if s["id"] == "pay")
    for row in rows:
        step = by_step[row["step"]]
        assert step["screen"] == row["screen"]
        codes = row["codes"]
        if "card codes as for parking" in row["codes_text"]:
            codes |= set(parking_pay["error_codes"])
        assert set(step["error_codes"]) == codes, row["step"]
        fields = row["fields"]
        if "card fields as for parking" in fields:
            assert step["fields"] == parking_pay["fields"]
            continue
        declared = re.findall(r"`(#[a-z\-<>]+)`", fields)
        for selector in declared:
            if "<key>" in selector:
                pattern = re.escape(selector).replace(re.escape("<key>"), "[a-z\\-]+")
                assert any(re.fullmatch(pattern, f) for f in step["fields"]), selector
            else:
                assert selector in step["fields"], (row["step"], selector)
    assert "SERVICE_UNAVAILABLE" in served["error_codes"]


def test_site_map_lists_every_code(client):
    site = client.get("/api/site").get_json()
    contract_codes = {c for rows in contract_tables().values() for r in rows for c in r["codes"]}
    assert contract_codes | {"SERVICE_UNAVAILABLE"} <= set(site["error_codes"])
    per_service = {c for s in site["services"].values() for c in s["error_codes"]}
    assert set(site["error_codes"]) == per_service


@pytest.mark.parametrize("path", sorted({s.path for svc in SERVICES.values() for s in svc.steps}))
def test_every_screen_is_served(app, path):
    adapter = app.url_map.bind("localhost")
    endpoint, _ = adapter.match(path, method="GET")
    assert endpoint != "static"


def _screens():
    for sid, svc in SERVICES.items():
        for step in svc.steps:
            yield pytest.param(sid, step.id, id=f"{sid}-{step.id}")


@pytest.mark.parametrize("service_id,step_id", _screens())
def test_every_screen_is_accessible(portal, service_id, step_id):
    if step_id == "sign_in":
        page = portal.get("/sign-in" + ("?next=/account/details"
                                        if service_id == "update_contact_details" else ""))
    elif service_id == "update_contact_details" and step_id == "details":
        portal.sign_in()
        page = portal.get("/account/details")
    else:
        page = portal.walk(service_id, step_id)
    assert (page.service, page.step) == (service_id, step_id)
    assert len(page.h1) == 1 and page.h1[0]
    assert page.skip_link and "main-content" in page.ids
    visible = [i for i in page.inputs if i.get("type") not in ("hidden", "submit")]
    for element in visible:
        assert element.get("id") in page.label_for, f"no label for {element}"
    for selector in SERVICES[service_id].step(step_id).fields:
        assert selector.lstrip("#") in page.ids, f"{selector} missing on {step_id}"
    assert page.summary_code is None and page.elements_with_code == 0


def test_error_pages_tie_messages_to_fields(portal):
    portal.walk("pay_council_tax", "account")
    response = portal.client.post("/council-tax/pay/account",
                                  data={"account-reference": "x", "postcode": "y"})
    html = response.get_data(as_text=True)
    assert 'aria-describedby="account-reference-hint account-reference-error"' in html
    assert 'aria-invalid="true"' in html
    assert '<a href="#account-reference">' in html
    assert "<title>Error: " in html


@pytest.mark.parametrize("path", ["/", "/demo/mailbox"])
def test_home_and_mailbox(portal, path):
    page = portal.get(path)
    assert page.status == 200 and len(page.h1) == 1 and page.skip_link
    assert page.service == ""


def test_home_lists_the_six_services(client):
    html = client.get("/").get_data(as_text=True)
    for sid, svc in SERVICES.items():
        assert f'data-service-link="{sid}"' in html and svc.name in html
    for path in ("/council-tax/pay", "/bins/missed", "/parking/permit", "/account/details",
                 "/bulky-waste", "/sign-in"):
        assert f'href="{path}"' in html


def test_mailbox_says_it_is_a_demo(client):
    html = client.get("/demo/mailbox").get_data(as_text=True)
    assert "demo stand-in for the customer's email inbox" in html


def test_pages_include_the_widget_and_the_stylesheet(app, client):
    html = client.get("/council-tax/pay").get_data(as_text=True)
    assert '<meta name="viewport"' in html and "/static/portal.css" in html
    assert client.get("/static/portal.css").status_code == 200
    with app.open_resource("templates/base.html") as f:
        assert b'{% include "_widget.html" %}' in f.read()


def test_unknown_page_is_a_friendly_404(portal):
    page = portal.get("/no-such-page")
    assert page.status == 404 and page.h1 == ["Page not found"]


def test_every_code_has_a_customer_message():
    from demo_portal.errors import MESSAGES, PAGE_MESSAGES
    from demo_portal.site import page_error_codes

    assert all(PAGE_MESSAGES[code] for code in page_error_codes())
    package = Path(__file__).resolve().parents[2] / "demo_portal"
    used = set()
    for source in package.glob("*.py"):
        used |= set(re.findall(r'ApiError\(\s*\d{3},\s*"([A-Z_]+)"', source.read_text()))
        used |= set(re.findall(r'PageError\(\s*"([A-Z_]+)"', source.read_text()))
    assert used and used <= set(MESSAGES)
