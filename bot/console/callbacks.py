"""Callback requests (CS17): check the customer's details field by field, store a ticket only when all are right."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

from bot.console.hours import OpeningHours
from bot.console.models import CallbackTicket, Handover
from bot.hub.store import db

PREFERRED = ("asap", "morning", "afternoon")
MAX_DAYS_AHEAD = 14
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NAME = re.compile(r"^[^\W\d_][\w .,'’\-]{0,99}$")
_PHONE_PUNCTUATION = re.compile(r"[\s\-().]")
_UK_PHONE = re.compile(r"^(?:0\d{9,10}|\+44\d{9,10})$")
_INTERNATIONAL = re.compile(r"^\+[1-9]\d{7,14}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$")
FIELDS = ("conversation_id", "name", "phone", "email", "preferred_time")


class CallbackProblem(ValueError):
    """Some details are not right; `fields` says what is wrong with each, in words for the customer."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


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


def validate(body: Any, hours: OpeningHours, now: datetime) -> dict[str, Any]:
    """The clean details, or CallbackProblem naming every field that is wrong."""
    if not isinstance(body, dict):
        raise CallbackProblem({"body": "send a JSON object"})
    problems: dict[str, str] = {}
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        problems["body"] = f"unknown field(s): {', '.join(unknown)}"
    clean: dict[str, Any] = {"conversation_id": body.get("conversation_id")}
    for field, check in (("name", clean_name), ("phone", clean_phone), ("email", clean_email)):
        if field != "name" and body.get(field) in (None, ""):
            clean[field] = None
            continue
        try:
            clean[field] = check(body.get(field))
        except ValueError as exc:
            problems[field] = str(exc)
    if not body.get("phone") and not body.get("email"):
        problems["contact"] = "Please give a phone number or an email address so we can reach you."
    try:
        clean["preferred_time"] = clean_preferred_time(body.get("preferred_time") or "asap", hours, now)
    except ValueError as exc:
        problems["preferred_time"] = str(exc)
    if problems:
        raise CallbackProblem(problems)
    return clean


def create_ticket(details: dict[str, Any]) -> CallbackTicket:
    """Store a ticket (details already validated), linked to the conversation's latest handover."""
    conversation_id = details.get("conversation_id")
    handover = None
    if conversation_id:
        handover = (Handover.query.filter_by(conversation_id=conversation_id)
                    .order_by(Handover.id.desc()).first())
    ticket = CallbackTicket(
        conversation_id=conversation_id,
        handover_id=handover.id if handover else None,
        name=details["name"],
        phone=details["phone"],
        email=details["email"],
        preferred_time=details["preferred_time"],
    )
    db.session.add(ticket)
    db.session.commit()
    return ticket
