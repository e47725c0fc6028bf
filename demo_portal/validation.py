"""Checks of what customers type: cards, postcodes, registrations, phones, emails, dates, files."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

POSTCODE_RE = re.compile(
    r"^(GIR0AA|[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]|"
    r"[A-HK-Y][0-9][ABEHMNPRVWXY])[0-9][ABD-HJLNP-UW-Z]{2})$"
)
VRM_PATTERNS = (
    re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z]{3}$"),   # current: AB51 XYZ
    re.compile(r"^[A-Z][0-9]{1,3}[A-Z]{3}$"),    # prefix: A123 BCD
    re.compile(r"^[A-Z]{3}[0-9]{1,3}[A-Z]$"),    # suffix: ABC 123D
    re.compile(r"^[0-9]{1,4}[A-Z]{1,3}$"),       # dateless: 1234 AB
    re.compile(r"^[A-Z]{1,3}[0-9]{1,4}$"),       # dateless: AB 1234
)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
UK_PHONE_RE = re.compile(r"^0(?:7[0-9]{9}|[1-3][0-9]{8,9}|8[0-9]{8,9}|9[0-9]{9})$")
FILE_SIGNATURES = {
    b"%PDF-": "pdf",
    b"\xff\xd8\xff": "jpeg",
    b"\x89PNG\r\n\x1a\n": "png",
}
MAX_UPLOAD_BYTES = 2 * 1024 * 1024


def normalise_postcode(text: str | None) -> str | None:
    """`rv1 1aa` → `RV1 1AA`; None when it is not a UK postcode."""
    compact = re.sub(r"\s+", "", (text or "").upper())
    if not POSTCODE_RE.match(compact):
        return None
    return f"{compact[:-3]} {compact[-3:]}"


def postcode_district(postcode: str) -> str:
    """The outward code of a normalised postcode: `RV1 1AA` → `RV1`."""
    return postcode.split(" ")[0]


def normalise_registration(text: str | None) -> str | None:
    """`rv12 abc` → `RV12ABC`; None when it is not a UK registration format."""
    compact = re.sub(r"\s+", "", (text or "").upper())
    if any(p.match(compact) for p in VRM_PATTERNS):
        return compact
    return None


def display_registration(compact: str) -> str:
    """`RV12ABC` → `RV12 ABC` (current format); other formats as they are."""
    if VRM_PATTERNS[0].match(compact):
        return f"{compact[:4]} {compact[4:]}"
    return compact


def normalise_email(text: str | None) -> str | None:
    """Trimmed, lower-case email address; None when it is not one."""
    value = (text or "").strip().lower()
    if len(value) > 254 or not EMAIL_RE.match(value):
        return None
    return value


def normalise_phone(text: str | None) -> str | None:
    """A UK phone number as digits starting 0 (`+44 7700 900982` → `07700900982`), or None."""
    value = re.sub(r"[\s\-().]", "", text or "")
    if value.startswith("+44"):
        value = "0" + value[3:].removeprefix("0")
    elif value.startswith("0044"):
        value = "0" + value[4:].removeprefix("0")
    return value if UK_PHONE_RE.match(value) else None


def luhn_ok(digits: str) -> bool:
    """True when a string of digits passes the Luhn checksum."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def normalise_card_number(text: str | None) -> str | None:
    """Card digits without spaces or dashes, or None when not a valid (Luhn) card number."""
    value = re.sub(r"[\s\-]", "", text or "")
    if not value.isdigit() or not 12 <= len(value) <= 19 or not luhn_ok(value):
        return None
    return value


def parse_expiry(month: str | None, year: str | None) -> tuple[int, int] | None:
    """(year, month) from the expiry fields (year as 27 or 2027), or None."""
    month, year = (month or "").strip(), (year or "").strip()
    if not (month.isdigit() and year.isdigit()) or len(year) not in (2, 4):
        return None
    m, y = int(month), int(year)
    if len(year) == 2:
        y += 2000
    if not 1 <= m <= 12:
        return None
    return y, m


def card_expired(expiry: tuple[int, int], today: date) -> bool:
    """A card is valid to the end of its expiry month."""
    return expiry < (today.year, today.month)


def cvv_ok(text: str | None) -> bool:
    """The security code is exactly 3 digits."""
    value = (text or "").strip()
    return len(value) == 3 and value.isdigit()


def parse_date(text: str | None) -> date | None:
    """A date typed as YYYY-MM-DD (a date input) or D/M/YYYY; None if not a real date."""
    value = (text or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def add_working_days(day: date, count: int) -> date:
    """The date `count` working days (Monday to Friday) after `day`."""
    while count > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def parse_amount(text: str | None) -> int | None:
    """Pounds as typed (`£1,245.60`, `50`) → pence; None if not a positive amount."""
    value = (text or "").strip().replace("£", "").replace(",", "")
    if not re.fullmatch(r"[0-9]+(\.[0-9]{1,2})?", value):
        return None
    try:
        pence = int((Decimal(value) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except InvalidOperation:
        return None
    return pence if pence > 0 else None


def format_pounds(pence: int) -> str:
    """1245_60 → `£1,245.60`."""
    return f"£{pence / 100:,.2f}"


def sniff_file_type(head: bytes) -> str | None:
    """`pdf`, `jpeg` or `png` from the first bytes of a file; None for anything else."""
    for signature, kind in FILE_SIGNATURES.items():
        if head.startswith(signature):
            return kind
    return None
