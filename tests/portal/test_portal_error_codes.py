"""Every error code of every screen in the contract, triggered as a customer would and checked."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from portal_support import DECLINED_CARD, GOOD_CARD, PDF_BYTES

from demo_portal.models import OneTimeCode, db
from demo_portal.site import SERVICES

CARD_STEPS = {"pay_council_tax": "card", "apply_parking_permit": "pay",
              "book_bulky_waste": "pay"}
FINAL_STEPS = {"sign_in_help": "new_password", "pay_council_tax": "verify",
               "report_missed_bin": "check", "apply_parking_permit": "pay",
               "update_contact_details": "verify", "book_bulky_waste": "pay"}


def at(service_id, step_id, data):
    """Walk to the step, then submit `data` (a dict, or a function of the portal)."""
    def run(portal):
        portal.walk(service_id, step_id)
        form = data(portal) if callable(data) else data
        return portal.post(SERVICES[service_id].path(step_id), form)
    return run


def sign_in_as(email, password, next_path=""):
    def run(portal):
        query = f"?next={next_path}" if next_path else ""
        return portal.post(f"/sign-in{query}", {"email": email, "password": password})
    return run


def expired_code(service_id, step_id):
    def run(portal):
        portal.walk(service_id, step_id)
        code = portal.latest_code()
        with portal.db():
            for row in OneTimeCode.query.all():  # 16 minutes later
                row.expires_at -= timedelta(minutes=16)
            db.session.commit()
        return portal.post(SERVICES[service_id].path(step_id), {"code": code})
    return run


def failing_final(service_id):
    step_id = FINAL_STEPS[service_id]

    def run(portal):
        portal.walk(service_id, step_id)
        form = portal.happy_data(service_id, step_id)
        portal.set_fault(service_id, "error")
        return portal.post(SERVICES[service_id].path(step_id), form)
    return run


def card_scenarios(service_id, with_cvv):
    step = CARD_STEPS[service_id]
    extra = {"security-code": "123"} if with_cvv else {}
    cases = [
        ("CARD_NAME_MISSING", "card-name", {**GOOD_CARD, "card-name": " "}),
        ("CARD_NUMBER_INVALID", "card-number", {**GOOD_CARD, "card-number": "4242 4242 4242 4241"}),
        ("EXPIRY_INVALID", "expiry-month", {**GOOD_CARD, "expiry-month": "13"}),
        ("CARD_EXPIRED", "expiry-month", {**GOOD_CARD, "expiry-year": "2020"}),
    ]
    if with_cvv:
        cases += [
            ("CVV_INVALID", "security-code", {**GOOD_CARD, "security-code": "12"}),
            ("CARD_DECLINED", "card-number", {**DECLINED_CARD, "security-code": "123"}),
        ]
    return [pytest.param(service_id, step, code, 400, field, at(service_id, step, {**extra, **form}),
                         id=f"{service_id}-{step}-{code}")
            for code, field, form in cases]


def too_big_file(size):
    return lambda portal: {"proof-file": (io.BytesIO(b"%PDF-" + b"0" * size), "big.pdf")}


def _p(service_id, step_id, code, status, field, run):
    return pytest.param(service_id, step_id, code, status, field, run,
                        id=f"{service_id}-{step_id}-{code}-{status}")


today = date.today()
SCENARIOS = [
    # sign in (both services share the screen)
    _p("sign_in_help", "sign_in", "SIGNIN_FAILED", 400, "email",
       sign_in_as("alex.morgan@example.org", "wrong-password")),
    _p("sign_in_help", "sign_in", "ACCOUNT_LOCKED", 400, None,
       sign_in_as("sam.patel@example.org", "Riverside-2024")),
    _p("update_contact_details", "sign_in", "SIGNIN_FAILED", 400, "email",
       sign_in_as("nobody@example.org", "Riverside-2024", "/account/details")),
    _p("update_contact_details", "sign_in", "ACCOUNT_LOCKED", 400, None,
       sign_in_as("sam.patel@example.org", "Riverside-2024", "/account/details")),
    _p("sign_in_help", "request_code", "EMAIL_INVALID", 400, "email",
       at("sign_in_help", "request_code", {"email": "alex.morgan@"})),
    _p("sign_in_help", "enter_code", "CODE_INVALID", 400, "code",
       at("sign_in_help", "enter_code", {"code": "12345x"})),
    _p("sign_in_help", "enter_code", "CODE_EXPIRED", 400, "code",
       expired_code("sign_in_help", "enter_code")),
    _p("sign_in_help", "new_password", "PASSWORD_TOO_WEAK", 400, "new-password",
       at("sign_in_help", "new_password", {"new-password": "longbutnodigits",
                                           "confirm-password": "longbutnodigits"})),
    _p("sign_in_help", "new_password", "PASSWORDS_DONT_MATCH", 400, "confirm-password",
       at("sign_in_help", "new_password", {"new-password": "Good-password-1",
                                           "confirm-password": "Good-password-2"})),
    _p("sign_in_help", "new_password", "SERVICE_ERROR", 500, None, failing_final("sign_in_help")),
    # council tax
    _p("pay_council_tax", "account", "CT_REFERENCE_FORMAT", 400, "account-reference",
       at("pay_council_tax", "account", {"account-reference": "1000001", "postcode": "RV1 1AA"})),
    _p("pay_council_tax", "account", "POSTCODE_INVALID", 400, "postcode",
       at("pay_council_tax", "account", {"account-reference": "10000001", "postcode": "RV1"})),
    _p("pay_council_tax", "account", "CT_ACCOUNT_NOT_FOUND", 400, "account-reference",
       at("pay_council_tax", "account", {"account-reference": "10000001", "postcode": "RV2 3BB"})),
    _p("pay_council_tax", "amount", "AMOUNT_INVALID", 400, "other-amount",
       at("pay_council_tax", "amount", {"amount": "other", "other-amount": "ten pounds"})),
    _p("pay_council_tax", "amount", "AMOUNT_TOO_HIGH", 400, "other-amount",
       at("pay_council_tax", "amount", {"amount": "other", "other-amount": "1245.61"})),
    *card_scenarios("pay_council_tax", with_cvv=False),
    _p("pay_council_tax", "verify", "CVV_INVALID", 400, "security-code",
       at("pay_council_tax", "verify", {"security-code": "1234"})),
    _p("pay_council_tax", "verify", "SERVICE_ERROR", 500, None, failing_final("pay_council_tax")),
    # missed bin
    _p("report_missed_bin", "postcode", "POSTCODE_INVALID", 400, "postcode",
       at("report_missed_bin", "postcode", {"postcode": "not a postcode"})),
    _p("report_missed_bin", "postcode", "POSTCODE_NOT_IN_AREA", 400, "postcode",
       at("report_missed_bin", "postcode", {"postcode": "SW1A 1AA"})),
    _p("report_missed_bin", "address", "ADDRESS_NOT_SELECTED", 400, "address",
       at("report_missed_bin", "address", {"address": ""})),
    _p("report_missed_bin", "bin_type", "BIN_TYPE_NOT_SELECTED", 400, "bin-type",
       at("report_missed_bin", "bin_type", {})),
    _p("report_missed_bin", "bin_type", "GARDEN_NOT_SUBSCRIBED", 400, "bin-type",
       lambda portal: (portal.walk("report_missed_bin", "address"),
                       portal.client.post("/bins/missed/address", data={"address": str(
                           portal.address_id("5 River Walk, Riverside, RV1 1AA"))}),
                       portal.post("/bins/missed/bin-type", {"bin-type": "garden"}))[-1]),
    _p("report_missed_bin", "date", "DATE_INVALID", 400, "collection-date",
       at("report_missed_bin", "date", {"collection-date": "31/02/2024"})),
    _p("report_missed_bin", "date", "DATE_IN_FUTURE", 400, "collection-date",
       at("report_missed_bin", "date",
          {"collection-date": (today + timedelta(days=1)).isoformat()})),
    _p("report_missed_bin", "date", "REPORT_TOO_LATE", 400, "collection-date",
       at("report_missed_bin", "date",
          {"collection-date": (today - timedelta(days=30)).strftime("%d/%m/%Y")})),
    _p("report_missed_bin", "check", "SERVICE_ERROR", 500, None,
       failing_final("report_missed_bin")),
    # parking permit
    _p("apply_parking_permit", "eligibility", "POSTCODE_INVALID", 400, "postcode",
       at("apply_parking_permit", "eligibility", {"postcode": ""})),
    _p("apply_parking_permit", "eligibility", "NOT_IN_PERMIT_ZONE", 400, "postcode",
       at("apply_parking_permit", "eligibility", {"postcode": "RV9 9ZZ"})),
    _p("apply_parking_permit", "vehicle", "VRM_INVALID", 400, "registration",
       at("apply_parking_permit", "vehicle", {"registration": "NOT A CAR"})),
    _p("apply_parking_permit", "vehicle", "VEHICLE_NOT_FOUND", 400, "registration",
       at("apply_parking_permit", "vehicle", {"registration": "ZZ99 ZZZ"})),
    _p("apply_parking_permit", "proof", "FILE_MISSING", 400, "proof-file",
       at("apply_parking_permit", "proof", {})),
    _p("apply_parking_permit", "proof", "FILE_TOO_LARGE", 400, "proof-file",
       at("apply_parking_permit", "proof", too_big_file(2 * 1024 * 1024))),
    _p("apply_parking_permit", "proof", "FILE_TOO_LARGE", 413, "proof-file",
       at("apply_parking_permit", "proof", too_big_file(4 * 1024 * 1024))),
    _p("apply_parking_permit", "proof", "FILE_TYPE_NOT_ALLOWED", 400, "proof-file",
       at("apply_parking_permit", "proof",
          lambda p: {"proof-file": (io.BytesIO(b"MZ\x90\x00 not really a pdf"), "bill.pdf")})),
    *card_scenarios("apply_parking_permit", with_cvv=True),
    _p("apply_parking_permit", "pay", "SERVICE_ERROR", 500, None,
       failing_final("apply_parking_permit")),
    # contact details
    _p("update_contact_details", "edit", "EMAIL_INVALID", 400, "email",
       at("update_contact_details", "edit", {"email": "alex at example", "phone": ""})),
    _p("update_contact_details", "edit", "EMAIL_IN_USE", 400, "email",
       at("update_contact_details", "edit", {"email": "jo.evans@example.org", "phone": ""})),
    _p("update_contact_details", "edit", "PHONE_INVALID", 400, "phone",
       at("update_contact_details", "edit",
          {"email": "alex.morgan@example.org", "phone": "12345"})),
    _p("update_contact_details", "edit", "NO_CHANGES", 400, None,
       at("update_contact_details", "edit",
          {"email": "Alex.Morgan@example.org", "phone": "+44 7700 900123"})),
    _p("update_contact_details", "verify", "CODE_INVALID", 400, "code",
       at("update_contact_details", "verify", {"code": "000000"})),
    _p("update_contact_details", "verify", "CODE_EXPIRED", 400, "code",
       expired_code("update_contact_details", "verify")),
    _p("update_contact_details", "verify", "SERVICE_ERROR", 500, None,
       failing_final("update_contact_details")),
    # bulky waste
    _p("book_bulky_waste", "items", "POSTCODE_INVALID", 400, "postcode",
       at("book_bulky_waste", "items", {"postcode": "RV", "items": ["sofa"]})),
    _p("book_bulky_waste", "items", "POSTCODE_NOT_IN_AREA", 400, "postcode",
       at("book_bulky_waste", "items", {"postcode": "M1 1AE", "items": ["sofa"]})),
    _p("book_bulky_waste", "items", "NO_ITEMS_SELECTED", 400, "item-sofa",
       at("book_bulky_waste", "items", {"postcode": "RV1 1AA"})),
    _p("book_bulky_waste", "items", "TOO_MANY_ITEMS", 400, "item-sofa",
       at("book_bulky_waste", "items", {"postcode": "RV1 1AA", "items": [
           "sofa", "armchair", "mattress", "bed-frame", "wardrobe", "fridge-freezer", "table"]})),
    _p("book_bulky_waste", "date", "DATE_NOT_SELECTED", 400, "collection-date",
       at("book_bulky_waste", "date", {})),
    _p("book_bulky_waste", "date", "NO_DATES_AVAILABLE", 400, None,
       lambda portal: (portal.walk("book_bulky_waste", "items"),
                       portal.client.post("/bulky-waste/items", data={
                           "postcode": "RV9 9ZZ", "items": ["sofa"]}),
                       portal.post("/bulky-waste/date", {"collection-date": "2030-01-01"}))[-1]),
    *card_scenarios("book_bulky_waste", with_cvv=True),
    _p("book_bulky_waste", "pay", "SERVICE_ERROR", 500, None, failing_final("book_bulky_waste")),
    # council tax: declined card needs the card step first
    _p("pay_council_tax", "verify", "CARD_DECLINED", 400, None,
       lambda portal: (portal.walk("pay_council_tax", "card"),
                       portal.client.post("/council-tax/pay/card", data=DECLINED_CARD),
                       portal.post("/council-tax/pay/verify", {"security-code": "123"}))[-1]),
]


@pytest.mark.parametrize("service_id,step_id,code,status,field,run", SCENARIOS)
def test_error_code_is_shown(portal, service_id, step_id, code, status, field, run):
    page = run(portal)
    assert page.status == status
    assert page.service == service_id and page.step == step_id
    assert page.summary_code == code, page.text[:300]
    assert page.summary_role == "alert"
    assert page.h1 and len(page.h1) == 1
    if field:
        assert page.field_codes.get(field) == code
        assert field in page.ids, "the summary links to a field that is not on the page"
    else:
        assert code not in page.field_codes.values()


@pytest.mark.parametrize("service_id,step_id", [
    pytest.param(sid, step.id, id=f"{sid}-{step.id}")
    for sid, svc in SERVICES.items() for step in svc.steps])
def test_down_service_shows_maintenance_on_every_screen(portal, service_id, step_id):
    portal.set_fault(service_id, "down")
    path = SERVICES[service_id].path(step_id)
    if service_id == "update_contact_details" and step_id == "sign_in":
        path += "?next=/account/details"
    response = portal.client.get(path)
    page = portal.page(response)
    assert page.status == 503
    assert page.summary_code == "SERVICE_UNAVAILABLE"
    assert page.service == service_id and page.step == step_id
    assert "unavailable" in page.h1[0]
    assert response.headers["Retry-After"]


def test_every_code_of_every_screen_has_a_scenario():
    covered = {(s.values[0], s.values[1], s.values[2]) for s in SCENARIOS}
    expected = {(sid, step.id, code) for sid, svc in SERVICES.items()
                for step in svc.steps for code in step.error_codes}
    assert expected - covered == set()


def test_no_dates_available_is_shown_on_arrival(portal):
    portal.walk("book_bulky_waste", "items")
    portal.client.post("/bulky-waste/items", data={"postcode": "RV9 9ZZ", "items": ["sofa"]})
    page = portal.get("/bulky-waste/date")
    assert page.status == 200
    assert page.summary_code == "NO_DATES_AVAILABLE"
    assert "collection-date" not in page.ids


def test_an_upload_is_checked_by_content_not_name(portal):
    portal.walk("apply_parking_permit", "proof")
    page = portal.post("/parking/permit/proof",
                       {"proof-file": (io.BytesIO(PDF_BYTES), "scan.exe")})
    assert page.status == 303
    assert page.summary_code is None
