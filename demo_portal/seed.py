"""The demo data of docs/demo-portal.md, added on first start (idempotent, safe to rerun)."""

from __future__ import annotations

import functools
import logging

from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.security import generate_password_hash

from .models import Account, Address, BulkyArea, Fault, Vehicle, db
from .site import SERVICES

log = logging.getLogger(__name__)
DEMO_PASSWORD = "Riverside-2024"

# postcode -> [(address line, garden waste subscription)]
ADDRESSES = {
    "RV1 1AA": [("1 River Walk", True), ("3 River Walk", True), ("5 River Walk", False)],
    "RV2 3BB": [("2 Bridge Street", False), ("4 Bridge Street", True),
                ("6 Bridge Street", False)],
    "RV9 9ZZ": [("9 Meadow Close", False), ("11 Meadow Close", True),
                ("13 Meadow Close", False)],
}
ACCOUNTS = [
    {"reference": "10000001", "name": "Alex Morgan", "email": "alex.morgan@example.org",
     "phone": "07700900123", "postcode": "RV1 1AA", "address": "1 River Walk",
     "balance_pence": 124560, "saved_card_last4": "4242", "locked": False},
    {"reference": "10000002", "name": "Sam Patel", "email": "sam.patel@example.org",
     "phone": "07700900456", "postcode": "RV2 3BB", "address": "2 Bridge Street",
     "balance_pence": 0, "saved_card_last4": None, "locked": True},
    {"reference": "10000003", "name": "Jo Evans", "email": "jo.evans@example.org",
     "phone": None, "postcode": "RV9 9ZZ", "address": "9 Meadow Close",
     "balance_pence": 31000, "saved_card_last4": None, "locked": False},
]
VEHICLES = {"RV12ABC": "Silver Ford Focus", "AB51XYZ": "Blue Vauxhall Corsa",
            "RV70DEF": "Red Toyota Yaris"}
BULKY_CAPACITY = {"RV1": 4, "RV2": 4, "RV9": 0}  # RV9: every slot already full


@functools.lru_cache(maxsize=1)
def _demo_password_hash() -> str:
    return generate_password_hash(DEMO_PASSWORD)


def _address_line(line: str, postcode: str) -> str:
    return f"{line}, Riverside, {postcode}"


def _seed() -> int:
    added = 0
    for postcode, rows in ADDRESSES.items():
        for line, garden in rows:
            full = _address_line(line, postcode)
            if Address.query.filter_by(postcode=postcode, line=full).first() is None:
                db.session.add(Address(postcode=postcode, line=full, garden_waste=garden))
                added += 1
    db.session.flush()
    for spec in ACCOUNTS:
        if db.session.get(Account, spec["reference"]) is not None:
            continue
        address = Address.query.filter_by(
            postcode=spec["postcode"], line=_address_line(spec["address"], spec["postcode"])
        ).one()
        db.session.add(Account(
            reference=spec["reference"], name=spec["name"], email=spec["email"],
            phone=spec["phone"], password_hash=_demo_password_hash(),
            postcode=spec["postcode"], address_id=address.id,
            balance_pence=spec["balance_pence"], saved_card_last4=spec["saved_card_last4"],
            locked=spec["locked"], failed_sign_ins=3 if spec["locked"] else 0,
        ))
        added += 1
    for registration, description in VEHICLES.items():
        if db.session.get(Vehicle, registration) is None:
            db.session.add(Vehicle(registration=registration, description=description))
            added += 1
    for district, capacity in BULKY_CAPACITY.items():
        if db.session.get(BulkyArea, district) is None:
            db.session.add(BulkyArea(district=district, daily_capacity=capacity))
            added += 1
    for service_id in SERVICES:
        if db.session.get(Fault, service_id) is None:
            db.session.add(Fault(service_id=service_id, mode="none"))
            added += 1
    db.session.commit()
    return added


def seed_demo_data() -> None:
    """Create the tables and add whatever demo rows are missing.

    Several worker processes may start at once: losing a race to another one is fine.
    """
    for attempt in range(3):
        try:
            db.create_all()
            added = _seed()
        except (IntegrityError, OperationalError):
            db.session.rollback()
            if attempt == 2:
                raise
            continue
        if added:
            log.info("demo data: added %d rows", added)
        return
