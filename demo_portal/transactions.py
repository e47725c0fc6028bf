"""Completing a service for a verified customer (`POST /api/services/<id>/transactions`).

Each handler checks the details first (400 / 409, nothing changed) and returns a function
that makes the change; the fault switch's `error` mode fails between the two.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from .bulky_waste import record_booking
from .contact_details import apply_change, email_taken
from .council_tax import record_payment
from .errors import ApiError
from .missed_bin import record_report
from .models import Account, ServiceRecord, db
from .pages import is_failing
from .parking import record_permit
from .rules import (
    BIN_TYPES,
    BULKY_ITEMS,
    MAX_BULKY_ITEMS,
    find_vehicle,
    free_bulky_dates,
    in_permit_zone,
    missed_bin_date_error,
    new_reference,
)
from .sign_in import send_reset_code
from .validation import normalise_email, normalise_phone, normalise_registration, parse_amount

Apply = Callable[[], str]


def _field(details: dict, name: str, kind: type = str, required: bool = True) -> Any:
    value = details.get(name)
    if value is None:
        if required:
            raise ApiError(400, "FIELD_MISSING", f"'details.{name}' is required",
                           field=f"details.{name}")
        return None
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ApiError(400, "FIELD_INVALID", f"'details.{name}' must be a {kind.__name__}",
                       field=f"details.{name}")
    return value


def _iso_date(details: dict, name: str) -> date:
    try:
        return date.fromisoformat(_field(details, name))
    except ValueError:
        raise ApiError(400, "DATE_INVALID", "Give the date as YYYY-MM-DD",
                       field=f"details.{name}") from None


def _saved_card(account: Account) -> str:
    if not account.saved_card_last4:
        raise ApiError(409, "NO_SAVED_CARD")
    return account.saved_card_last4


def pay_council_tax(account: Account, details: dict) -> Apply:
    typed = details.get("amount")
    pence = None
    if typed is not None:
        if isinstance(typed, bool) or not isinstance(typed, (str, int, float)):
            raise ApiError(400, "AMOUNT_INVALID", field="details.amount")
        pence = parse_amount(str(typed))
        if pence is None:
            raise ApiError(400, "AMOUNT_INVALID", field="details.amount")
    if account.balance_pence <= 0:
        raise ApiError(409, "NOTHING_TO_PAY")
    last4 = _saved_card(account)
    pence = pence or account.balance_pence
    if pence > account.balance_pence:
        raise ApiError(400, "AMOUNT_TOO_HIGH", field="details.amount")
    return lambda: record_payment(account, pence, last4, "api")


def report_missed_bin(account: Account, details: dict) -> Apply:
    bin_type = _field(details, "bin_type")
    if bin_type not in BIN_TYPES:
        raise ApiError(400, "FIELD_INVALID", "'details.bin_type' must be one of "
                       + ", ".join(BIN_TYPES), field="details.bin_type")
    day = _iso_date(details, "collection_date")
    error = missed_bin_date_error(day, date.today())
    if error:
        raise ApiError(400, error, field="details.collection_date")
    if bin_type == "garden" and not account.address.garden_waste:
        raise ApiError(409, "GARDEN_NOT_SUBSCRIBED")
    return lambda: record_report(account.address, bin_type, day, account.reference, "api")


def apply_parking_permit(account: Account, details: dict) -> Apply:
    registration = normalise_registration(_field(details, "registration"))
    if registration is None:
        raise ApiError(400, "VRM_INVALID", field="details.registration")
    if find_vehicle(registration) is None:
        raise ApiError(400, "VEHICLE_NOT_FOUND", field="details.registration")
    if not in_permit_zone(account.postcode):
        raise ApiError(409, "NOT_IN_PERMIT_ZONE")
    last4 = _saved_card(account)
    return lambda: record_permit(account.postcode, registration, last4, account.reference,
                                 "api", {"proof": "verified account address"})


def update_contact_details(account: Account, details: dict) -> Apply:
    typed_email = _field(details, "email", required=False)
    typed_phone = _field(details, "phone", required=False)
    if typed_email is None and typed_phone is None:
        raise ApiError(400, "FIELD_MISSING", "Give 'details.email', 'details.phone' or both",
                       field="details")
    email = account.email
    if typed_email is not None:
        email = normalise_email(typed_email)
        if email is None:
            raise ApiError(400, "EMAIL_INVALID", field="details.email")
    phone = account.phone
    if typed_phone is not None:
        phone = normalise_phone(typed_phone)
        if phone is None:
            raise ApiError(400, "PHONE_INVALID", field="details.phone")
    if email == account.email and phone == account.phone:
        raise ApiError(400, "NO_CHANGES", field="details")
    if email != account.email and email_taken(email):
        raise ApiError(409, "EMAIL_IN_USE", field="details.email")
    return lambda: apply_change(account, email, phone, "api")


def book_bulky_waste(account: Account, details: dict) -> Apply:
    items = _field(details, "items", list)
    if not items:
        raise ApiError(400, "NO_ITEMS_SELECTED", field="details.items")
    if any(not isinstance(i, str) for i in items) or len(set(items)) != len(items):
        raise ApiError(400, "FIELD_INVALID", "'details.items' must be distinct item names",
                       field="details.items")
    unknown = [i for i in items if i not in BULKY_ITEMS]
    if unknown:
        raise ApiError(400, "ITEM_UNKNOWN", "Items we collect: " + ", ".join(BULKY_ITEMS),
                       field="details.items")
    if len(items) > MAX_BULKY_ITEMS:
        raise ApiError(400, "TOO_MANY_ITEMS", field="details.items")
    day = _iso_date(details, "collection_date")
    free = free_bulky_dates(account.postcode, date.today())
    if not free:
        raise ApiError(409, "NO_DATES_AVAILABLE")
    if day not in free:
        raise ApiError(400, "DATE_NOT_AVAILABLE", "That date is not free. The next free "
                       "dates are " + ", ".join(d.isoformat() for d in free[:5]),
                       field="details.collection_date")
    last4 = _saved_card(account)
    return lambda: record_booking(account.postcode, items, day, last4, account.reference,
                                  "api")


def sign_in_help(account: Account, details: dict) -> Apply:
    if _field(details, "action") != "send_reset_code":
        raise ApiError(400, "ACTION_INVALID", "'details.action' must be 'send_reset_code'",
                       field="details.action")

    def send() -> str:
        send_reset_code(account)
        reference = new_reference("SI")
        masked = account.email[0] + "•••@" + account.email.split("@", 1)[1]
        db.session.add(ServiceRecord(
            reference=reference, service_id="sign_in_help", account_reference=account.reference,
            channel="api", summary=f"Password reset code sent to {masked}",
        ))
        return reference

    return send


HANDLERS: dict[str, Callable[[Account, dict], Apply]] = {
    "pay_council_tax": pay_council_tax,
    "report_missed_bin": report_missed_bin,
    "apply_parking_permit": apply_parking_permit,
    "update_contact_details": update_contact_details,
    "book_bulky_waste": book_bulky_waste,
    "sign_in_help": sign_in_help,
}


def complete(service_id: str, account: Account, details: dict) -> dict:
    """Check, then do, the service for the account: the 201 body, or ApiError."""
    apply = HANDLERS[service_id](account, details)
    if is_failing(service_id):
        raise ApiError(500, "SERVICE_ERROR")
    reference = apply()
    db.session.commit()
    record = db.session.get(ServiceRecord, reference)
    return {"reference": reference, "service": service_id, "summary": record.summary}
