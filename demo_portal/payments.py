"""Card checks for the three payment screens; keeps only the last 4 digits and a decline flag."""

from __future__ import annotations

from datetime import date

from .errors import PageError
from .validation import card_expired, cvv_ok, normalise_card_number, parse_expiry

#: The demo payment provider's test card that is always declined.
DECLINED_TEST_CARD = "4000000000000002"


def check_card_form(form, today: date) -> tuple[list[PageError], dict | None]:
    """Check name, number and expiry; on success a token-like dict (never the number)."""
    errors: list[PageError] = []
    name = (form.get("card-name") or "").strip()
    if not name:
        errors.append(PageError("CARD_NAME_MISSING", "card-name"))
    number = normalise_card_number(form.get("card-number"))
    if number is None:
        errors.append(PageError("CARD_NUMBER_INVALID", "card-number"))
    expiry = parse_expiry(form.get("expiry-month"), form.get("expiry-year"))
    if expiry is None:
        errors.append(PageError("EXPIRY_INVALID", "expiry-month"))
    elif card_expired(expiry, today):
        errors.append(PageError("CARD_EXPIRED", "expiry-month"))
    if errors or number is None:
        return errors, None
    return [], {"last4": number[-4:], "will_decline": number == DECLINED_TEST_CARD}


def check_security_code(form) -> list[PageError]:
    if cvv_ok(form.get("security-code")):
        return []
    return [PageError("CVV_INVALID", "security-code")]


def card_form_values(form) -> dict:
    """What to show again after an error: the name and expiry, never number or code."""
    return {key: form.get(key, "") for key in ("card-name", "expiry-month", "expiry-year")}
