"""Callback requests (CS17): check the customer's details field by field, store a ticket only when all are right."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.callback_details import clean_email, clean_name, clean_phone, clean_preferred_time
from bot.console.hours import OpeningHours
from bot.console.models import CallbackTicket, Handover
from bot.hub.store import db

FIELDS = ("conversation_id", "name", "phone", "email", "preferred_time")


class CallbackProblem(ValueError):
    """Some details are not right; `fields` says what is wrong with each, in words for the customer."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


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
