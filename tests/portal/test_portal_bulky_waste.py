"""Book a bulky waste collection: items, free dates per area, price, payment."""

from __future__ import annotations

import re
from datetime import date, timedelta

from portal_support import GOOD_CARD

from demo_portal.models import BulkyBooking, ServiceRecord, db
from demo_portal.rules import bulky_price_pence, free_bulky_dates


def test_booking_screen_by_screen(portal, client, app):
    page = portal.get("/bulky-waste")
    assert (page.service, page.step) == ("book_bulky_waste", "start")
    assert client.post("/bulky-waste").headers["Location"] == "/bulky-waste/items"

    page = portal.get("/bulky-waste/items")
    assert page.step == "items" and {"postcode", "item-sofa", "item-fridge-freezer"} <= page.ids
    response = client.post("/bulky-waste/items", data={
        "postcode": "RV2 3BB", "items": ["sofa", "mattress", "wardrobe", "table"]})
    assert response.headers["Location"] == "/bulky-waste/date"

    page = portal.get("/bulky-waste/date")
    assert page.step == "date" and "collection-date" in page.ids
    day = portal.first_free_bulky_date("RV2 3BB")
    assert date.fromisoformat(day).strftime("%A %d %B %Y") in page.text
    assert client.post("/bulky-waste/date", data={"collection-date": day}
                       ).headers["Location"] == "/bulky-waste/pay"

    page = portal.get("/bulky-waste/pay")
    assert page.step == "pay" and "£33.00" in page.text  # £25 + one extra item at £8
    assert client.post("/bulky-waste/pay", data={**GOOD_CARD, "security-code": "123"}
                       ).headers["Location"] == "/bulky-waste/confirmation"

    page = portal.get("/bulky-waste/confirmation")
    assert page.step == "confirmation" and page.h1 == ["Collection booked"]
    reference = re.search(r"BW-[A-Z2-9]{8}", page.text).group(0)
    with app.app_context():
        assert db.session.get(ServiceRecord, reference).amount_pence == 3300
        booking = BulkyBooking.query.one()
        assert (booking.district, booking.collection_date.isoformat()) == ("RV2", day)


def test_price():
    assert [bulky_price_pence(n) for n in (1, 3, 4, 6)] == [2500, 2500, 3300, 4900]


def test_free_dates_are_working_days_in_the_next_four_weeks(app):
    today = date.today()
    with app.app_context():
        days = free_bulky_dates("RV1 1AA", today)
        assert free_bulky_dates("RV9 9ZZ", today) == []
    assert days and all(d.weekday() < 5 for d in days)
    assert all(today < d <= today + timedelta(days=28) for d in days)


def test_a_full_day_is_no_longer_offered(portal, app):
    day = date.fromisoformat(portal.first_free_bulky_date())
    with app.app_context():
        for n in range(4):
            db.session.add(BulkyBooking(reference=f"BW-FULL000{n}", district="RV1",
                                        collection_date=day))
        db.session.commit()
    portal.walk("book_bulky_waste", "date")
    page = portal.post("/bulky-waste/date", {"collection-date": day.isoformat()})
    assert page.summary_code == "DATE_NOT_SELECTED"
    assert day.strftime("%A %d %B %Y") not in page.text


def test_steps_out_of_order_go_back_to_the_start(client):
    for path in ("/bulky-waste/items", "/bulky-waste/date", "/bulky-waste/pay",
                 "/bulky-waste/confirmation"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/bulky-waste"
