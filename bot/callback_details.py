"""A customer's callback details, checked field by field (CS17): the same rules in the chat and the hub.

Pure functions with no database, so the action server checks each answer as the customer
gives it and the hub checks the whole request again before it stores a ticket.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

from bot.console.hours import OpeningHours

PREFERRED = ("asap", "morning", "afternoon")
MAX_DAYS_AHEAD = 14
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NAME = re.compile(r"^[^\W\d_][\w .,'’\-]{0,99}$")
_PHONE_PUNCTUATION = re.compile(r"[\s\-().]")
_UK_PHONE = re.compile(r"^(?:0\d{9,10}|\+44\d{9,10})$")
_INTERNATIONAL = re.compile(r"^\+[1-9]\d{7,14}$")
# an email address or phone number somewhere in what the customer typed
EMAIL_IN_TEXT = re.compile(r"[^\s@,;<>()]+@[^\s@,;<>()]+")
PHONE_IN_TEXT = re.compile(r"\+?[\d][\d\s\-().]{7,}\d")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$")


def _text(value: Any) -> str:
    return _CONTROL.sub("", value).strip() if isinstance(value, str) else ""


def clean_name(value: Any) -> str:
    name = " ".join(_text(value).split())
    if not name:
        raise ValueError("Please tell us your name.")
    if len(name) > 100 or not _NAME.match(name):
        raise ValueError("Please give your name in letters (up to 100 characters).")
    return name


def clean_phone(value: Any) -> str:
    phone = _PHONE_PUNCTUATION.sub("", _text(value))
    if phone.startswith("0044"):
        phone = "+" + phone[2:]
    if not (_UK_PHONE.match(phone) or _INTERNATIONAL.match(phone)):
        raise ValueError("That doesn't look like a phone number: please give a UK number such as "
                         "01632 960 001 or 07700 900 123, or an international one starting with +.")
    return phone


def clean_email(value: Any) -> str:
    email = _text(value)
    if len(email) > 254 or not _EMAIL.match(email):
        raise ValueError("That doesn't look like an email address: please check it, e.g. name@example.com.")
    return email


def clean_preferred_time(value: Any, hours: OpeningHours, now: datetime) -> str:
    """'asap', 'morning', 'afternoon', or a date and time within the next two weeks when advisers are in."""
    text = _text(value).lower()
    if text in PREFERRED:
        return text
    try:
        moment = datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("Please choose as soon as possible, a morning, an afternoon, or a date and time.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=hours.zone)
    now = now.replace(tzinfo=timezone.utc) if now.tzinfo is None else now
    if moment <= now:
        raise ValueError("That time has passed: please choose a time from now on.")
    if moment > now + timedelta(days=MAX_DAYS_AHEAD):
        raise ValueError(f"Please choose a time in the next {MAX_DAYS_AHEAD} days.")
    if not hours.is_open(moment):
        raise ValueError(f"Advisers call back only when we're open ({hours.describe()}): please choose another time.")
    return moment.astimezone(hours.zone).replace(tzinfo=None).isoformat(timespec="minutes")


_WHEN_WORDS = {
    "asap": ("asap", "as soon as possible", "soon as possible", "any time", "anytime", "whenever", "now",
             "right away", "straight away", "as soon as you can", "don't mind", "dont mind", "either"),
    "morning": ("morning", "mornings", "in the morning", "a morning", "am", "before lunch", "before noon"),
    "afternoon": ("afternoon", "afternoons", "in the afternoon", "an afternoon", "pm", "after lunch"),
}


def preferred_time_from_words(value: Any) -> str:
    """'asap', 'morning' or 'afternoon' from what the customer typed or clicked; ValueError otherwise."""
    text = " ".join(re.sub(r"[^\w' ]", " ", _text(value).lower()).split())
    for choice, words in _WHEN_WORDS.items():
        if text == choice or text in words:
            return choice
    found = {choice for choice, words in _WHEN_WORDS.items() if any(re.search(rf"\b{re.escape(w)}\b", text) for w in words if len(w) > 3)}
    if len(found) == 1:
        return found.pop()
    raise ValueError("Please choose as soon as possible, a morning or an afternoon.")


_NAME_LEAD = re.compile(r"^(?:(?:hi|hello)[,!. ]+)?(?:my name is|my name's|name is|name's|it's|its|it is|i'm|im|i am|this is|call me)\s+",
                        re.IGNORECASE)


def name_from_words(value: Any) -> str:
    """The customer's name from "my name is Sam Jones" or "Sam Jones"; ValueError saying what is wrong."""
    text = _NAME_LEAD.sub("", _text(value)).strip(" .!")
    return clean_name(text)


def contact_from_words(value: Any) -> tuple[str, str]:
    """("email", address) or ("phone", number) from what the customer typed; ValueError otherwise."""
    text = _text(value)
    address = EMAIL_IN_TEXT.search(text)
    if address:
        return "email", clean_email(address.group(0).rstrip("."))
    number = PHONE_IN_TEXT.search(text)
    if number:
        return "phone", clean_phone(number.group(0))
    raise ValueError("Please give a phone number (such as 07700 900 123) or an email address.")
