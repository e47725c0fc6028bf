"""Apply for a resident parking permit, screen by screen, with uploads checked by content."""

from __future__ import annotations

import io
import re

import pytest
from portal_support import DECLINED_CARD, GOOD_CARD, JPEG_BYTES, PDF_BYTES, PNG_BYTES

from demo_portal.models import ServiceRecord, db


def test_application_screen_by_screen(portal, client, app):
    page = portal.get("/parking/permit")
    assert (page.service, page.step) == ("apply_parking_permit", "start")
    assert "£60.00" in page.text
    assert client.post("/parking/permit").headers["Location"] == "/parking/permit/eligibility"

    assert portal.get("/parking/permit/eligibility").step == "eligibility"
    assert client.post("/parking/permit/eligibility", data={"postcode": "RV1 1AA"}
                       ).headers["Location"] == "/parking/permit/vehicle"

    page = portal.get("/parking/permit/vehicle")
    assert page.step == "vehicle" and "registration" in page.ids
    assert client.post("/parking/permit/vehicle", data={"registration": "ab51xyz"}
                       ).headers["Location"] == "/parking/permit/proof"

    page = portal.get("/parking/permit/proof")
    assert page.step == "proof" and "proof-file" in page.ids
    assert client.post("/parking/permit/proof",
                       data={"proof-file": (io.BytesIO(PDF_BYTES), "bill.pdf")}
                       ).headers["Location"] == "/parking/permit/pay"

    page = portal.get("/parking/permit/pay")
    assert page.step == "pay" and "security-code" in page.ids
    assert "AB51 XYZ" in page.text and "£60.00" in page.text
    assert client.post("/parking/permit/pay", data={**GOOD_CARD, "security-code": "123"}
                       ).headers["Location"] == "/parking/permit/confirmation"

    page = portal.get("/parking/permit/confirmation")
    assert page.step == "confirmation" and page.h1 == ["Permit application complete"]
    reference = re.search(r"PP-[A-Z2-9]{8}", page.text).group(0)
    with app.app_context():
        record = db.session.get(ServiceRecord, reference)
        assert record.card_last4 == "4242" and record.amount_pence == 6000
        assert record.details["registration"] == "AB51XYZ"
        assert record.details["proof"] == {"type": "pdf", "bytes": len(PDF_BYTES)}


@pytest.mark.parametrize("content,kind", [(PNG_BYTES, "png"), (JPEG_BYTES, "jpeg")])
def test_images_are_accepted(portal, client, content, kind):
    portal.walk("apply_parking_permit", "proof")
    response = client.post("/parking/permit/proof",
                           data={"proof-file": (io.BytesIO(content), "photo.pdf")})
    assert response.status_code == 303


def test_a_file_of_exactly_2mb_is_accepted(portal, client):
    portal.walk("apply_parking_permit", "proof")
    content = b"%PDF-" + b"0" * (2 * 1024 * 1024 - 5)
    response = client.post("/parking/permit/proof",
                           data={"proof-file": (io.BytesIO(content), "bill.pdf")})
    assert response.status_code == 303


def test_a_declined_card_records_nothing(portal, app):
    portal.walk("apply_parking_permit", "pay")
    page = portal.post("/parking/permit/pay", {**DECLINED_CARD, "security-code": "123"})
    assert page.summary_code == "CARD_DECLINED"
    with app.app_context():
        assert ServiceRecord.query.count() == 0


def test_all_card_errors_are_listed_at_once(portal):
    portal.walk("apply_parking_permit", "pay")
    page = portal.post("/parking/permit/pay", {"card-name": "", "card-number": "12",
                                               "expiry-month": "", "expiry-year": "",
                                               "security-code": ""})
    assert page.summary_code == "CARD_NAME_MISSING"
    assert page.field_codes == {"card-name": "CARD_NAME_MISSING",
                                "card-number": "CARD_NUMBER_INVALID",
                                "expiry-month": "EXPIRY_INVALID",
                                "security-code": "CVV_INVALID"}


def test_steps_out_of_order_go_back_to_the_start(client):
    for path in ("/parking/permit/eligibility", "/parking/permit/vehicle",
                 "/parking/permit/proof", "/parking/permit/pay",
                 "/parking/permit/confirmation"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/parking/permit"
