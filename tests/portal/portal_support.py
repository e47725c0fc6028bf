"""Helpers for the demo portal tests: reading pages like a customer and walking journeys."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser

from demo_portal.models import Address
from demo_portal.rules import free_bulky_dates
from demo_portal.site import service

PORTAL_TOKEN = "test-portal-token"
GOOD_CARD = {"card-name": "Alex Morgan", "card-number": "4242 4242 4242 4242",
             "expiry-month": "08", "expiry-year": str(date.today().year + 2)}
DECLINED_CARD = {**GOOD_CARD, "card-number": "4000 0000 0000 0002"}
PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@dataclass
class Page:
    """What a customer (or the widget) sees on a page."""

    status: int
    service: str | None = None
    step: str | None = None
    h1: list[str] = field(default_factory=list)
    summary_code: str | None = None
    summary_role: str | None = None
    field_codes: dict[str, str] = field(default_factory=dict)
    ids: set[str] = field(default_factory=set)
    inputs: list[dict] = field(default_factory=list)
    label_for: set[str] = field(default_factory=set)
    elements_with_code: int = 0
    skip_link: bool = False
    text: str = ""


class _PageParser(HTMLParser):
    def __init__(self, page: Page) -> None:
        super().__init__()
        self.page = page
        self.in_h1 = False
        self.h1_text: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        page = self.page
        if "id" in a:
            page.ids.add(a["id"])
        if tag == "main" and a.get("id") == "main-content":
            page.service = a.get("data-service")
            page.step = a.get("data-step")
        if tag == "a" and a.get("href") == "#main-content" and "skip-link" in a.get("class", ""):
            page.skip_link = True
        if tag == "h1":
            self.in_h1 = True
            self.h1_text = []
        if "data-error-code" in a:
            page.elements_with_code += 1
            if "error-summary" in a.get("class", ""):
                page.summary_code = a["data-error-code"]
                page.summary_role = a.get("role")
            elif a.get("id", "").endswith("-error"):
                page.field_codes[a["id"][: -len("-error")]] = a["data-error-code"]
        if tag in ("input", "select", "textarea"):
            page.inputs.append(a)
        if tag == "label" and "for" in a:
            page.label_for.add(a["for"])

    def handle_endtag(self, tag):
        if tag == "h1" and self.in_h1:
            self.in_h1 = False
            self.page.h1.append(" ".join("".join(self.h1_text).split()))

    def handle_data(self, data):
        if self.in_h1:
            self.h1_text.append(data)
        self.text.append(data)


def parse_page(response) -> Page:
    page = Page(status=response.status_code)
    parser = _PageParser(page)
    parser.feed(response.get_data(as_text=True))
    page.text = " ".join("".join(parser.text).split())
    return page


class Portal:
    """Drives the portal like a customer: walks journeys, reads pages and the mailbox."""

    def __init__(self, app, client) -> None:
        self.app = app
        self.client = client

    # --- reading -------------------------------------------------------------------
    page = staticmethod(parse_page)

    def get(self, path: str) -> Page:
        return parse_page(self.client.get(path))

    def post(self, path: str, data: dict | None = None, **kwargs) -> Page:
        return parse_page(self.client.post(path, data=data or {}, **kwargs))

    def latest_code(self) -> str:
        """The 6-digit code in the newest email of the demo mailbox."""
        html = self.client.get("/demo/mailbox").get_data(as_text=True)
        found = re.findall(r"Your code is (\d{6})", html)
        assert found, "no code in the demo mailbox"
        return found[0]

    def db(self):
        return self.app.app_context()

    # --- the fault switch ----------------------------------------------------------
    def set_fault(self, service_id: str, mode: str) -> None:
        response = self.client.post("/api/faults", json={"service": service_id, "mode": mode},
                                    headers={"Authorization": f"Bearer {PORTAL_TOKEN}"})
        assert response.status_code == 200, response.get_json()

    # --- journeys ------------------------------------------------------------------
    def sign_in(self, email="alex.morgan@example.org", password="Riverside-2024",
                next_path="/account/details"):
        response = self.client.post(f"/sign-in?next={next_path}",
                                    data={"email": email, "password": password})
        assert response.status_code == 303, parse_page(response).summary_code
        return response

    def address_id(self, line: str) -> int:
        with self.db():
            return Address.query.filter_by(line=line).one().id

    def first_free_bulky_date(self, postcode: str = "RV1 1AA") -> str:
        with self.db():
            return free_bulky_dates(postcode, date.today())[0].isoformat()

    def happy_data(self, service_id: str, step_id: str):
        """Form data that completes a step (files are made fresh on each call)."""
        data = {
            ("sign_in_help", "request_code"): lambda: {"email": "alex.morgan@example.org"},
            ("sign_in_help", "enter_code"): lambda: {"code": self.latest_code()},
            ("sign_in_help", "new_password"): lambda: {"new-password": "Brand-new-pass-7",
                                                       "confirm-password": "Brand-new-pass-7"},
            ("pay_council_tax", "account"): lambda: {"account-reference": "10000001",
                                                     "postcode": "RV1 1AA"},
            ("pay_council_tax", "amount"): lambda: {"amount": "other", "other-amount": "100.00"},
            ("pay_council_tax", "card"): lambda: dict(GOOD_CARD),
            ("pay_council_tax", "verify"): lambda: {"security-code": "123"},
            ("report_missed_bin", "postcode"): lambda: {"postcode": "rv1 1aa"},
            ("report_missed_bin", "address"): lambda: {
                "address": str(self.address_id("1 River Walk, Riverside, RV1 1AA"))},
            ("report_missed_bin", "bin_type"): lambda: {"bin-type": "garden"},
            ("report_missed_bin", "date"): lambda: {"collection-date": date.today().isoformat()},
            ("report_missed_bin", "check"): dict,
            ("apply_parking_permit", "eligibility"): lambda: {"postcode": "RV2 3BB"},
            ("apply_parking_permit", "vehicle"): lambda: {"registration": "rv12abc"},
            ("apply_parking_permit", "proof"): lambda: {
                "proof-file": (io.BytesIO(PDF_BYTES), "council-tax-bill.pdf")},
            ("apply_parking_permit", "pay"): lambda: {**GOOD_CARD, "security-code": "123"},
            ("update_contact_details", "edit"): lambda: {"email": "alex.m@example.org",
                                                         "phone": "07700 900 982"},
            ("update_contact_details", "verify"): lambda: {"code": self.latest_code()},
            ("book_bulky_waste", "items"): lambda: {"postcode": "RV1 1AA",
                                                    "items": ["sofa", "mattress"]},
            ("book_bulky_waste", "date"): lambda: {
                "collection-date": self.first_free_bulky_date()},
            ("book_bulky_waste", "pay"): lambda: {**GOOD_CARD, "security-code": "123"},
        }
        return data[(service_id, step_id)]()

    def walk(self, service_id: str, stop_at: str) -> Page:
        """Complete every step before `stop_at` on the happy path, then open `stop_at`."""
        svc = service(service_id)
        first = {"sign_in_help": "request_code", "update_contact_details": "edit"}.get(
            service_id, "start")
        if service_id == "update_contact_details":
            self.sign_in()
        ids = [s.id for s in svc.steps]
        for step_id in ids[ids.index(first):ids.index(stop_at)]:
            path = svc.path(step_id)
            data = {} if step_id == "start" else self.happy_data(service_id, step_id)
            response = self.client.post(path, data=data)
            assert response.status_code == 303, (
                f"{path}: {response.status_code} {parse_page(response).summary_code}")
        page = self.get(svc.path(stop_at))
        assert page.status == 200 and page.step == stop_at, (page.status, page.step)
        return page
