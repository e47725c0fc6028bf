"""`POST /api/services/<id>/transactions`: doing the job for a verified customer."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from portal_support import PORTAL_TOKEN

from demo_portal.models import Account, BulkyBooking, MailMessage, OneTimeCode, ServiceRecord, db

CUSTOMERS = {"alex": ("10000001", "RV1 1AA"), "sam": ("10000002", "RV2 3BB"),
             "jo": ("10000003", "RV9 9ZZ")}


def token_for(client, who="alex"):
    reference, postcode = CUSTOMERS[who]
    body = client.post("/api/identity/check",
                       json={"account_reference": reference, "postcode": postcode}).get_json()
    return body["identity_token"]


def snapshot(app):
    """Everything a transaction could change."""
    with app.app_context():
        return (
            [(a.reference, a.balance_pence, a.email, a.phone) for a in Account.query.all()],
            ServiceRecord.query.count(), BulkyBooking.query.count(),
            MailMessage.query.count(), OneTimeCode.query.count(),
        )


def transact(client, service_id, details=None, who="alex", token=None):
    body = {"identity_token": token or token_for(client, who)}
    if details is not None:
        body["details"] = details
    return client.post(f"/api/services/{service_id}/transactions", json=body)


def free_date(app, postcode="RV1 1AA"):
    from demo_portal.rules import free_bulky_dates

    with app.app_context():
        return free_bulky_dates(postcode, date.today())[0].isoformat()


def _ok(response, service_id, prefix):
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["service"] == service_id
    assert re.fullmatch(prefix + r"-[A-Z2-9]{8}", body["reference"])
    assert body["summary"]
    return body


def test_pay_council_tax_with_the_saved_card(client, app):
    body = _ok(transact(client, "pay_council_tax", {"amount": "245.60"}), "pay_council_tax", "CT")
    assert "4242" in body["summary"] and "£245.60" in body["summary"]
    with app.app_context():
        assert db.session.get(Account, "10000001").balance_pence == 100000
        record = db.session.get(ServiceRecord, body["reference"])
        assert (record.channel, record.card_last4, record.amount_pence) == ("api", "4242", 24560)


def test_pay_council_tax_defaults_to_the_balance(client, app):
    _ok(transact(client, "pay_council_tax"), "pay_council_tax", "CT")
    with app.app_context():
        assert db.session.get(Account, "10000001").balance_pence == 0


def test_report_missed_bin(client, app):
    body = _ok(transact(client, "report_missed_bin",
                        {"bin_type": "garden", "collection_date": date.today().isoformat()}),
               "report_missed_bin", "MB")
    assert "1 River Walk" in body["summary"]


def test_apply_parking_permit(client, app):
    body = _ok(transact(client, "apply_parking_permit", {"registration": "rv12 abc"}),
               "apply_parking_permit", "PP")
    assert "RV12 ABC" in body["summary"]


def test_update_contact_details(client, app):
    _ok(transact(client, "update_contact_details", {"phone": "07700 900 999"}),
        "update_contact_details", "CD")
    with app.app_context():
        account = db.session.get(Account, "10000001")
        assert (account.email, account.phone) == ("alex.morgan@example.org", "07700900999")


def test_book_bulky_waste(client, app):
    day = free_date(app)
    body = _ok(transact(client, "book_bulky_waste", {"items": ["sofa", "fridge-freezer"],
                                                     "collection_date": day}),
               "book_bulky_waste", "BW")
    assert "4242" in body["summary"]
    assert date.fromisoformat(day).strftime("%d %B %Y") in body["summary"]
    with app.app_context():
        assert BulkyBooking.query.one().collection_date.isoformat() == day


def test_sign_in_help_sends_a_reset_code(client, app):
    body = _ok(transact(client, "sign_in_help", {"action": "send_reset_code"}, who="sam"),
               "sign_in_help", "SI")
    assert "sam.patel@example.org" not in body["summary"]
    html = client.get("/demo/mailbox").get_data(as_text=True)
    assert "To: sam.patel@example.org" in html and re.search(r"Your code is \d{6}", html)


@pytest.mark.parametrize("service_id", ["pay_council_tax", "report_missed_bin",
                                        "apply_parking_permit", "update_contact_details",
                                        "book_bulky_waste", "sign_in_help"])
@pytest.mark.parametrize("token", [None, "", "garbage", 12345])
def test_a_missing_or_bad_token_is_refused(client, app, service_id, token):
    before = snapshot(app)
    body = {"details": {}} if token is None else {"identity_token": token, "details": {}}
    response = client.post(f"/api/services/{service_id}/transactions", json=body)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "IDENTITY_TOKEN_INVALID"
    assert snapshot(app) == before


FAILURES = [
    # service, who, details, status, code, field
    ("pay_council_tax", "alex", {"amount": "lots"}, 400, "AMOUNT_INVALID", "details.amount"),
    ("pay_council_tax", "alex", {"amount": "-5"}, 400, "AMOUNT_INVALID", "details.amount"),
    ("pay_council_tax", "alex", {"amount": True}, 400, "AMOUNT_INVALID", "details.amount"),
    ("pay_council_tax", "alex", {"amount": "1245.61"}, 400, "AMOUNT_TOO_HIGH", "details.amount"),
    ("pay_council_tax", "sam", {}, 409, "NOTHING_TO_PAY", None),
    ("pay_council_tax", "jo", {}, 409, "NO_SAVED_CARD", None),
    ("report_missed_bin", "alex", {"collection_date": "2024-01-01"}, 400, "FIELD_MISSING",
     "details.bin_type"),
    ("report_missed_bin", "alex", {"bin_type": "food", "collection_date": "2024-01-01"}, 400,
     "FIELD_INVALID", "details.bin_type"),
    ("report_missed_bin", "alex", {"bin_type": "general", "collection_date": "01/01/2024"}, 400,
     "DATE_INVALID", "details.collection_date"),
    ("report_missed_bin", "alex", {"bin_type": "general", "collection_date": 20240101}, 400,
     "FIELD_INVALID", "details.collection_date"),
    ("report_missed_bin", "alex", {"bin_type": "general",
                                   "collection_date": (date.today() + timedelta(days=2)).isoformat()},
     400, "DATE_IN_FUTURE", "details.collection_date"),
    ("report_missed_bin", "alex", {"bin_type": "general",
                                   "collection_date": (date.today() - timedelta(days=20)).isoformat()},
     400, "REPORT_TOO_LATE", "details.collection_date"),
    ("report_missed_bin", "jo", {"bin_type": "garden",
                                 "collection_date": date.today().isoformat()},
     409, "GARDEN_NOT_SUBSCRIBED", None),
    ("apply_parking_permit", "alex", {}, 400, "FIELD_MISSING", "details.registration"),
    ("apply_parking_permit", "alex", {"registration": "???"}, 400, "VRM_INVALID",
     "details.registration"),
    ("apply_parking_permit", "alex", {"registration": "XY99 XYZ"}, 400, "VEHICLE_NOT_FOUND",
     "details.registration"),
    ("apply_parking_permit", "jo", {"registration": "RV70 DEF"}, 409, "NOT_IN_PERMIT_ZONE", None),
    ("apply_parking_permit", "sam", {"registration": "RV70 DEF"}, 409, "NO_SAVED_CARD", None),
    ("update_contact_details", "alex", {}, 400, "FIELD_MISSING", "details"),
    ("update_contact_details", "alex", {"email": "nope"}, 400, "EMAIL_INVALID", "details.email"),
    ("update_contact_details", "alex", {"phone": "999"}, 400, "PHONE_INVALID", "details.phone"),
    ("update_contact_details", "alex", {"email": "alex.morgan@example.org"}, 400, "NO_CHANGES",
     "details"),
    ("update_contact_details", "alex", {"email": "sam.patel@example.org"}, 409, "EMAIL_IN_USE",
     "details.email"),
    ("book_bulky_waste", "alex", {"items": [], "collection_date": "2030-01-01"}, 400,
     "NO_ITEMS_SELECTED", "details.items"),
    ("book_bulky_waste", "alex", {"items": "sofa", "collection_date": "2030-01-01"}, 400,
     "FIELD_INVALID", "details.items"),
    ("book_bulky_waste", "alex", {"items": ["piano"], "collection_date": "2030-01-01"}, 400,
     "ITEM_UNKNOWN", "details.items"),
    ("book_bulky_waste", "alex", {"items": ["sofa", "armchair", "mattress", "bed-frame",
                                            "wardrobe", "table", "washing-machine"],
                                  "collection_date": "2030-01-01"}, 400, "TOO_MANY_ITEMS",
     "details.items"),
    ("book_bulky_waste", "alex", {"items": ["sofa"], "collection_date": "2030-01-01"}, 400,
     "DATE_NOT_AVAILABLE", "details.collection_date"),
    ("book_bulky_waste", "jo", {"items": ["sofa"], "collection_date": "2030-01-01"}, 409,
     "NO_DATES_AVAILABLE", None),
    ("sign_in_help", "alex", {"action": "delete_account"}, 400, "ACTION_INVALID",
     "details.action"),
    ("sign_in_help", "alex", {}, 400, "FIELD_MISSING", "details.action"),
]


@pytest.mark.parametrize("service_id,who,details,status,code,field", FAILURES,
                         ids=[f"{f[0]}-{f[4]}-{i}" for i, f in enumerate(FAILURES)])
def test_failures_change_nothing(client, app, service_id, who, details, status, code, field):
    token = token_for(client, who)
    before = snapshot(app)
    response = transact(client, service_id, details, token=token)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == (code, field)
    assert error["message"]
    assert snapshot(app) == before


def test_bulky_waste_with_no_saved_card(client, app):
    day = free_date(app, "RV2 3BB")
    response = transact(client, "book_bulky_waste", {"items": ["sofa"], "collection_date": day},
                        who="sam")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "NO_SAVED_CARD"


@pytest.mark.parametrize("details", [["amount"], "amount", 5])
def test_details_must_be_an_object(client, app, details):
    response = transact(client, "pay_council_tax", details)
    assert response.status_code == 400
    assert response.get_json()["error"] == {"code": "FIELD_INVALID", "field": "details",
                                            "message": "'details' must be an object"}


def test_unknown_service(client):
    response = transact(client, "pay_dog_licence", {})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "UNKNOWN_SERVICE"


@pytest.mark.parametrize("mode,status,code", [("down", 503, "SERVICE_UNAVAILABLE"),
                                              ("error", 500, "SERVICE_ERROR")])
@pytest.mark.parametrize("service_id,details", [
    ("pay_council_tax", {"amount": "10.00"}),
    ("report_missed_bin", {"bin_type": "general", "collection_date": date.today().isoformat()}),
    ("apply_parking_permit", {"registration": "RV12 ABC"}),
    ("update_contact_details", {"phone": "07700 900 111"}),
    ("book_bulky_waste", {"items": ["sofa"], "collection_date": None}),
    ("sign_in_help", {"action": "send_reset_code"}),
])
def test_faulted_services_fail_and_change_nothing(client, app, mode, status, code, service_id,
                                                  details):
    if "collection_date" in details and details["collection_date"] is None:
        details = {**details, "collection_date": free_date(app)}
    token = token_for(client)
    client.post("/api/faults", json={"service": service_id, "mode": mode},
                headers={"Authorization": f"Bearer {PORTAL_TOKEN}"})
    before = snapshot(app)
    response = transact(client, service_id, details, token=token)
    assert response.status_code == status and response.is_json
    assert response.get_json()["error"]["code"] == code
    assert snapshot(app) == before
    client.post("/api/faults", json={"service": service_id, "mode": "none"},
                headers={"Authorization": f"Bearer {PORTAL_TOKEN}"})
    assert transact(client, service_id, details, token=token).status_code == 201
