"""Report a missed bin collection, screen by screen, and its date rules."""

from __future__ import annotations

import re
from datetime import date, timedelta

from demo_portal.models import ServiceRecord, db
from demo_portal.rules import missed_bin_date_error, report_deadline


def test_report_screen_by_screen(portal, client, app):
    page = portal.get("/bins/missed")
    assert (page.service, page.step) == ("report_missed_bin", "start")
    assert client.post("/bins/missed").headers["Location"] == "/bins/missed/postcode"

    page = portal.get("/bins/missed/postcode")
    assert page.step == "postcode" and "postcode" in page.ids
    assert client.post("/bins/missed/postcode",
                       data={"postcode": "rv1 1aa"}).headers["Location"] == "/bins/missed/address"

    page = portal.get("/bins/missed/address")
    assert page.step == "address" and "address" in page.ids
    assert "1 River Walk, Riverside, RV1 1AA" in page.text and "5 River Walk" in page.text
    address_id = portal.address_id("3 River Walk, Riverside, RV1 1AA")
    assert client.post("/bins/missed/address", data={"address": str(address_id)}
                       ).headers["Location"] == "/bins/missed/bin-type"

    page = portal.get("/bins/missed/bin-type")
    assert page.step == "bin_type" and {"bin-type", "bin-type-recycling", "bin-type-garden"} <= page.ids
    assert client.post("/bins/missed/bin-type", data={"bin-type": "recycling"}
                       ).headers["Location"] == "/bins/missed/date"

    page = portal.get("/bins/missed/date")
    assert page.step == "date" and "collection-date" in page.ids
    yesterday = date.today() - timedelta(days=1)
    assert client.post("/bins/missed/date", data={"collection-date": yesterday.strftime("%d/%m/%Y")}
                       ).headers["Location"] == "/bins/missed/check"

    page = portal.get("/bins/missed/check")
    assert page.step == "check" and "submit-button" in page.ids
    assert "3 River Walk" in page.text and "Recycling" in page.text
    assert yesterday.strftime("%d %B %Y") in page.text
    assert client.post("/bins/missed/check").headers["Location"] == "/bins/missed/confirmation"

    page = portal.get("/bins/missed/confirmation")
    assert page.step == "confirmation" and page.h1 == ["Missed collection reported"]
    reference = re.search(r"MB-[A-Z2-9]{8}", page.text).group(0)
    with app.app_context():
        record = db.session.get(ServiceRecord, reference)
        assert record.details == {"address_id": address_id, "bin_type": "recycling",
                                  "collection_date": yesterday.isoformat()}


def test_an_unlisted_riverside_postcode_still_has_addresses(portal, client):
    portal.walk("report_missed_bin", "postcode")
    client.post("/bins/missed/postcode", data={"postcode": "RV5 2XY"})
    page = portal.get("/bins/missed/address")
    assert page.status == 200 and page.text.count("RV5 2XY") >= 3


def test_an_address_from_another_postcode_is_not_accepted(portal):
    portal.walk("report_missed_bin", "address")
    other = portal.address_id("2 Bridge Street, Riverside, RV2 3BB")
    assert portal.post("/bins/missed/address", {"address": str(other)}
                       ).summary_code == "ADDRESS_NOT_SELECTED"


def test_report_window_is_two_working_days():
    friday = date(2024, 3, 1)
    assert report_deadline(friday) == date(2024, 3, 5)  # Tuesday
    assert missed_bin_date_error(friday, date(2024, 3, 5)) is None
    assert missed_bin_date_error(friday, date(2024, 3, 6)) == "REPORT_TOO_LATE"
    assert missed_bin_date_error(friday, date(2024, 3, 1)) is None
    assert missed_bin_date_error(date(2024, 3, 2), date(2024, 3, 1)) == "DATE_IN_FUTURE"


def test_steps_out_of_order_go_back_to_the_start(client):
    for path in ("/bins/missed/postcode", "/bins/missed/address", "/bins/missed/bin-type",
                 "/bins/missed/date", "/bins/missed/check", "/bins/missed/confirmation"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/bins/missed"


def test_changing_an_earlier_answer_means_answering_again(portal, client):
    portal.walk("report_missed_bin", "check")
    client.post("/bins/missed/postcode", data={"postcode": "RV2 3BB"})
    assert client.get("/bins/missed/check").headers["Location"] == "/bins/missed"
    assert portal.get("/bins/missed/address").step == "address"
