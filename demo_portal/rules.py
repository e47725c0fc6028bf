"""Riverside Council's business rules, shared by the pages and the service API."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, timedelta

from .models import Account, Address, BulkyArea, BulkyBooking, ServiceRecord, Vehicle, db
from .validation import add_working_days, postcode_district

COUNCIL_AREA_PREFIX = "RV"
PERMIT_ZONES = ("RV1", "RV2")
PERMIT_PRICE_PENCE = 6000
BIN_TYPES = {"general": "General waste (grey bin)", "recycling": "Recycling (blue bin)",
             "garden": "Garden waste (green bin)"}
REPORT_WINDOW_WORKING_DAYS = 2
BULKY_ITEMS = {
    "sofa": "Sofa",
    "armchair": "Armchair",
    "mattress": "Mattress",
    "bed-frame": "Bed frame",
    "wardrobe": "Wardrobe",
    "fridge-freezer": "Fridge or freezer",
    "washing-machine": "Washing machine",
    "table": "Table",
}
MAX_BULKY_ITEMS = 6
DEFAULT_DAILY_CAPACITY = 4
BULKY_WINDOW_DAYS = 28
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_STREETS = ("Mill Lane", "Station Road", "Church Street", "Orchard Way", "Willow Court")


def in_council_area(postcode: str) -> bool:
    """Riverside postcodes start with RV (RV1 … RV99)."""
    district = postcode_district(postcode)
    return district.startswith(COUNCIL_AREA_PREFIX) and district[2:].isdigit()


def in_permit_zone(postcode: str) -> bool:
    return postcode_district(postcode) in PERMIT_ZONES


def find_account(reference: str, postcode: str) -> Account | None:
    """The account with that reference whose postcode matches (both normalised)."""
    account = db.session.get(Account, reference)
    if account is None or account.postcode != postcode:
        return None
    return account


def addresses_for(postcode: str) -> list[Address]:
    """The addresses at a Riverside postcode (three are made up for unseeded postcodes)."""
    rows = Address.query.filter_by(postcode=postcode).order_by(Address.id).all()
    if rows:
        return rows
    digest = int(hashlib.sha256(postcode.encode()).hexdigest(), 16)
    street = _STREETS[digest % len(_STREETS)]
    rows = [Address(postcode=postcode, line=f"{n} {street}, Riverside, {postcode}")
            for n in (2, 4, 6)]
    db.session.add_all(rows)
    db.session.commit()
    return rows


def find_vehicle(registration: str) -> Vehicle | None:
    return db.session.get(Vehicle, registration)


def report_deadline(collection_date: date) -> date:
    """The last day a missed collection can be reported."""
    return add_working_days(collection_date, REPORT_WINDOW_WORKING_DAYS)


def missed_bin_date_error(collection_date: date, today: date) -> str | None:
    """The error code for a collection date, or None when it can be reported."""
    if collection_date > today:
        return "DATE_IN_FUTURE"
    if today > report_deadline(collection_date):
        return "REPORT_TOO_LATE"
    return None


def bulky_price_pence(item_count: int) -> int:
    """£25 for up to 3 items, then £8 for each extra item."""
    return 2500 + max(0, item_count - 3) * 800


def free_bulky_dates(postcode: str, today: date) -> list[date]:
    """Working days in the next 4 weeks that still have room in the postcode's district."""
    district = postcode_district(postcode)
    area = db.session.get(BulkyArea, district)
    capacity = area.daily_capacity if area else DEFAULT_DAILY_CAPACITY
    if capacity <= 0:
        return []
    end = today + timedelta(days=BULKY_WINDOW_DAYS)
    booked: dict[date, int] = {}
    for booking in BulkyBooking.query.filter(
        BulkyBooking.district == district,
        BulkyBooking.collection_date > today,
        BulkyBooking.collection_date <= end,
    ):
        booked[booking.collection_date] = booked.get(booking.collection_date, 0) + 1
    days = []
    day = today + timedelta(days=1)
    while day <= end:
        if day.weekday() < 5 and booked.get(day, 0) < capacity:
            days.append(day)
        day += timedelta(days=1)
    return days


def new_reference(prefix: str) -> str:
    """`CT-7F3K9Q2M`: the service's prefix and 8 unambiguous characters."""
    while True:
        ref = prefix + "-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
        if db.session.get(ServiceRecord, ref) is None:
            return ref
