"""The status API and the fault switch: auth, bad input, and what each mode does."""

from __future__ import annotations

import time
from datetime import datetime

import pytest
from portal_support import GOOD_CARD, PORTAL_TOKEN

from demo_portal import create_app
from demo_portal.models import Account, ServiceRecord, db
from demo_portal.site import SERVICES

AUTH = {"Authorization": f"Bearer {PORTAL_TOKEN}"}


def test_status_lists_every_service_up(client):
    body = client.get("/api/status").get_json()
    assert set(body["services"]) == set(SERVICES)
    assert all(s["status"] == "up" and s["message"] for s in body["services"].values())
    datetime.fromisoformat(body["checked_at"])


@pytest.mark.parametrize("mode,status", [("down", "down"), ("slow", "degraded"),
                                         ("error", "degraded"), ("none", "up")])
def test_status_reflects_faults(client, mode, status):
    response = client.post("/api/faults", json={"service": "report_missed_bin", "mode": mode},
                           headers=AUTH)
    assert response.status_code == 200
    assert response.get_json() == {"service": "report_missed_bin", "mode": mode}
    services = client.get("/api/status").get_json()["services"]
    assert services["report_missed_bin"]["status"] == status
    assert services["pay_council_tax"]["status"] == "up"
    assert client.get("/api/faults", headers=AUTH).get_json()["faults"]["report_missed_bin"] == mode


def test_fault_is_shared_through_the_database(app, tmp_path):
    """A second app (another worker process) on the same database sees the fault."""
    other = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "SECRET_KEY": "x", "PORTAL_TOKEN": PORTAL_TOKEN})
    other.test_client().post("/api/faults", json={"service": "book_bulky_waste",
                                                  "mode": "down"}, headers=AUTH)
    assert app.test_client().get("/bulky-waste").status_code == 503
    with other.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-token"},
                                     {"Authorization": PORTAL_TOKEN},
                                     {"Authorization": f"Basic {PORTAL_TOKEN}"}])
def test_faults_need_the_token(client, headers):
    for response in (client.get("/api/faults", headers=headers),
                     client.post("/api/faults", headers=headers,
                                 json={"service": "pay_council_tax", "mode": "down"})):
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "UNAUTHORISED"
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert client.get("/api/status").get_json()["services"]["pay_council_tax"]["status"] == "up"


def test_fault_switch_is_off_without_a_configured_token(tmp_path, monkeypatch):
    monkeypatch.delenv("WAYFINDER_PORTAL_TOKEN", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}",
                      "SECRET_KEY": "x"})
    client = app.test_client()
    for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": "Bearer None"}):
        response = client.post("/api/faults", json={"service": "pay_council_tax",
                                                    "mode": "down"}, headers=headers)
        assert response.status_code == 503
        assert response.get_json()["error"]["code"] == "FAULT_SWITCH_DISABLED"
        assert "WAYFINDER_PORTAL_TOKEN" in response.get_json()["error"]["message"]
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("kwargs,status,code,field", [
    ({"data": "not json", "content_type": "application/json"}, 400, "INVALID_JSON", None),
    ({"json": ["pay_council_tax", "down"]}, 400, "INVALID_JSON", None),
    ({"json": {"mode": "down"}}, 400, "FIELD_MISSING", "service"),
    ({"json": {"service": "pay_council_tax"}}, 400, "FIELD_MISSING", "mode"),
    ({"json": {"service": 7, "mode": "down"}}, 400, "FIELD_INVALID", "service"),
    ({"json": {"service": "pay_council_tax", "mode": "broken"}}, 400, "FIELD_INVALID", "mode"),
    ({"json": {"service": "pay_council_tax", "mode": ["down"]}}, 400, "FIELD_INVALID", "mode"),
    ({"json": {"service": "pay_dog_licence", "mode": "down"}}, 404, "UNKNOWN_SERVICE", "service"),
    ({"json": {"service": "x" * 70_000, "mode": "down"}}, 413, "BODY_TOO_LARGE", None),
])
def test_bad_fault_requests_change_nothing(client, kwargs, status, code, field):
    response = client.post("/api/faults", headers=AUTH, **kwargs)
    assert response.status_code == status
    assert response.is_json
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == (code, field) and error["message"]
    assert set(client.get("/api/faults", headers=AUTH).get_json()["faults"].values()) == {"none"}


def test_slow_mode_slows_the_service_api_not_the_pages(client, app):
    client.post("/api/faults", json={"service": "pay_council_tax", "mode": "slow"}, headers=AUTH)
    started = time.monotonic()
    body = client.get("/api/services/pay_council_tax/status").get_json()
    slow = time.monotonic() - started
    assert slow >= app.config["SLOW_SECONDS"]
    assert body == {"service": "pay_council_tax", "status": "degraded",
                    "message": body["message"]}
    started = time.monotonic()
    assert client.get("/api/services/report_missed_bin/status").get_json()["status"] == "up"
    assert client.get("/api/status").status_code == 200
    assert client.get("/council-tax/pay").status_code == 200
    assert time.monotonic() - started < app.config["SLOW_SECONDS"]


def test_slow_mode_slows_transactions_too(client, app):
    client.post("/api/faults", json={"service": "report_missed_bin", "mode": "slow"},
                headers=AUTH)
    started = time.monotonic()
    response = client.post("/api/services/report_missed_bin/transactions", json={})
    assert time.monotonic() - started >= app.config["SLOW_SECONDS"]
    assert response.status_code == 401


def test_error_mode_fails_the_final_submit_and_takes_nothing(portal, client, app):
    portal.walk("pay_council_tax", "verify")
    portal.set_fault("pay_council_tax", "error")
    page = portal.post("/council-tax/pay/verify", {"security-code": "123"})
    assert page.status == 500 and page.summary_code == "SERVICE_ERROR"
    assert page.step == "verify"
    with app.app_context():
        assert db.session.get(Account, "10000001").balance_pence == 124560
        assert ServiceRecord.query.count() == 0
    # earlier steps still work, and the same submit succeeds once the fault is cleared
    assert client.post("/council-tax/pay/card", data=GOOD_CARD).status_code == 303
    portal.set_fault("pay_council_tax", "none")
    assert client.post("/council-tax/pay/verify", data={"security-code": "123"}
                       ).headers["Location"] == "/council-tax/pay/confirmation"


def test_down_mode_only_affects_that_service(portal):
    portal.set_fault("report_missed_bin", "down")
    assert portal.get("/bins/missed").status == 503
    assert portal.get("/council-tax/pay").status == 200
    assert portal.get("/").status == 200


def test_down_mode_of_contact_details_leaves_plain_sign_in_working(portal):
    portal.set_fault("update_contact_details", "down")
    assert portal.get("/sign-in").status == 200
    assert portal.get("/sign-in?next=/account/details").status == 503
