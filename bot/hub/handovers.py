"""`POST /api/handovers` and `POST /api/callbacks` (action server → hub, bearer token); the customer's way back.

A handover carries the summary the assistant built (CS16). The hub stores it and puts the
conversation in the advisers' queue — the bot stays silent while `handled_by` is not "bot" —
and answers with the place in the queue and a wait estimate; out of hours, or with nobody
online, it answers that a callback should be offered instead (CS17). Bad input is a 4xx
naming every problem, and nothing is written.
"""

from __future__ import annotations

import hmac
import logging
import re
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy.exc import IntegrityError

from bot.console import callbacks, desk
from bot.console.models import OPEN_STATUSES, Handover
from bot.console.present import REASONS, TRIED, queue_item
from bot.console.sessions import advisers_online
from bot.console.settings import console_settings
from bot.hub.history import bearer_conversation, talking_to
from bot.hub.redact import redact
from bot.hub.store import Conversation, db, utcnow

logger = logging.getLogger(__name__)
bp = Blueprint("handovers", __name__)

_ID = re.compile(r"^[a-z][a-z0-9_]{0,79}$")
_ERROR_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
KEEP_PAGES, KEEP_CODES, KEEP_WORDS = 50, 20, 20  # longer lists keep their latest (codes: first) items
FIELDS = ("conversation_id", "reason", "goal", "goal_name", "problem", "familiarity", "step_id",
          "step_reached", "pages_visited", "error_codes", "failure_details", "tried",
          "identity_verified", "customer_words")


def error(status: int, code: str, message: str, fields: dict[str, str] | None = None):
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return jsonify({"error": body}), status


def _authorised() -> tuple | None:
    """None when the caller sent the hub token; else the error response."""
    expected = console_settings(current_app).hub_token
    if not expected:
        return error(503, "not_configured", "WAYFINDER_HUB_TOKEN is not set on the hub")
    header = request.headers.get("Authorization", "")
    given = header[len("Bearer "):].strip() if header.startswith("Bearer ") else ""
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return error(401, "unauthorised", "send the hub token as `Authorization: Bearer <token>`")
    return None


# -- the summary --------------------------------------------------------------------------------


def _optional_text(body: dict, name: str, limit: int, problems: dict[str, str]) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > limit:
        problems[name] = f"must be text of at most {limit} characters"
        return None
    return redact(_CONTROL.sub("", value).strip()) or None


def _optional_id(body: dict, name: str, problems: dict[str, str]) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _ID.match(value):
        problems[name] = "must be a catalogue id like pay_council_tax"
        return None
    return value


def _text_list(body: dict, name: str, limit: int, keep: int, problems: dict[str, str],
               pattern: re.Pattern | None = None, keep_first: bool = False) -> list[str]:
    """A list of strings; a long one keeps its latest `keep` items (its first, with `keep_first`)."""
    value = body.get(name)
    if value is None:
        return []
    if isinstance(value, str) and name == "customer_words":
        value = [value]
    if not isinstance(value, list):
        problems[name] = "must be a list of strings"
        return []
    items = []
    for item in value:
        if not isinstance(item, str) or len(item) > limit or (pattern and not pattern.match(item)):
            problems[name] = ("every item must look like CARD_DECLINED" if pattern
                              else f"every item must be text of at most {limit} characters")
            return []
        items.append(_CONTROL.sub("", item))
    return items[:keep] if keep_first else items[-keep:]


def validate_summary(body: Any) -> dict[str, Any]:
    """The clean summary, or SummaryProblem naming every field that is wrong."""
    if not isinstance(body, dict):
        raise SummaryProblem({"body": "send a JSON object"})
    problems: dict[str, str] = {}
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        problems["body"] = f"unknown field(s): {', '.join(unknown)}"
    conversation_id = body.get("conversation_id")
    if not isinstance(conversation_id, str) or not 0 < len(conversation_id) <= 80:
        problems["conversation_id"] = "required: the conversation (Rasa sender) id"
    reason = body.get("reason")
    if not isinstance(reason, str) or reason not in REASONS:
        problems["reason"] = f"required, one of: {', '.join(REASONS)}"
    familiarity = body.get("familiarity")
    if familiarity not in (None, "", "new", "familiar"):
        problems["familiarity"] = "must be new or familiar (or null)"
    identity = body.get("identity_verified", False)
    if not isinstance(identity, bool):
        problems["identity_verified"] = "must be true or false"
    tried = body.get("tried") or []
    if not isinstance(tried, list) or any(not isinstance(t, str) or t not in TRIED for t in tried):
        problems["tried"] = f"must be a list of: {', '.join(TRIED)}"
        tried = []
    clean = {
        "conversation_id": conversation_id,
        "reason": reason,
        "goal": _optional_id(body, "goal", problems),
        "goal_name": _optional_text(body, "goal_name", 200, problems),
        "problem": _optional_id(body, "problem", problems),
        "familiarity": familiarity or None,
        "step_id": _optional_id(body, "step_id", problems),
        "step_reached": _optional_text(body, "step_reached", 200, problems),
        "pages_visited": _text_list(body, "pages_visited", 500, KEEP_PAGES, problems),
        "error_codes": _text_list(body, "error_codes", 80, KEEP_CODES, problems, _ERROR_CODE, keep_first=True),
        "failure_details": _optional_text(body, "failure_details", 2000, problems),
        "tried": list(dict.fromkeys(tried)),
        "identity_verified": identity is True,
        "customer_words": [redact(w) for w in _text_list(body, "customer_words", 2000, KEEP_WORDS, problems)],
    }
    if problems:
        raise SummaryProblem(problems)
    return clean


class SummaryProblem(ValueError):
    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


def _queued(handover: Handover, status: int, already_open: bool = False, online: int | None = None):
    place = desk.place(handover, online)
    hours = console_settings(current_app).opening_hours
    return jsonify({
        "handover_id": handover.id,
        "status": handover.status,
        "position": place.position,
        "wait_minutes": place.wait_minutes,
        "advisers_online": place.advisers_online,
        "opening_hours": hours.describe(),
        "already_open": already_open,
    }), status


@bp.post("/api/handovers")
def create_handover():
    refused = _authorised()
    if refused:
        return refused
    try:
        summary = validate_summary(request.get_json(silent=True))
    except SummaryProblem as exc:
        return error(400, "invalid_handover", f"the handover summary is not valid: {exc}", exc.fields)
    conversation = db.session.get(Conversation, summary["conversation_id"])
    if conversation is None:
        return error(404, "unknown_conversation", "the hub has no conversation with that id")
    existing = Handover.query.filter(Handover.conversation_id == conversation.id,
                                     Handover.status.in_(OPEN_STATUSES)).first()
    if existing is not None:
        return _queued(existing, 200, already_open=True)

    hours = console_settings(current_app).opening_hours
    now = utcnow()
    why_not = None
    online = None
    if not hours.is_open(now):
        why_not = "out_of_hours"
    else:
        online = advisers_online()  # counted once: the queue place below reuses it
        if online == 0:
            why_not = "no_adviser_online"
    handover = Handover(status="callback" if why_not else "waiting", **summary)
    db.session.add(handover)
    if not why_not:
        conversation.handled_by = "queue"
    try:
        db.session.commit()
    except IntegrityError:  # another request opened one for this conversation just now
        db.session.rollback()
        existing = Handover.query.filter(Handover.conversation_id == conversation.id,
                                         Handover.status.in_(OPEN_STATUSES)).first()
        if existing is None:
            raise
        return _queued(existing, 200, already_open=True)
    logger.info("handover %s for %s: %s (%s)", handover.id, conversation.id[:8],
                why_not or "queued", summary["reason"])
    if why_not:
        next_opening = hours.next_opening(now)
        return jsonify({
            "handover_id": handover.id,
            "status": "callback_offered",
            "why": why_not,
            "opening_hours": hours.describe(),
            "next_opening": next_opening.isoformat() if next_opening else None,
        }), 200
    consoles = current_app.extensions.get("wayfinder.console_sockets")
    if consoles is not None:
        consoles.handover_waiting(queue_item(handover, desk.position(handover)))
    sockets = current_app.extensions.get("wayfinder.sockets")
    if sockets is not None:  # the widget shows "waiting for an adviser" and the way back
        sockets.tell_talking_to(conversation)
    return _queued(handover, 201, online=online)


@bp.post("/api/callbacks")
def create_callback():
    refused = _authorised()
    if refused:
        return refused
    body = request.get_json(silent=True)
    hours = console_settings(current_app).opening_hours
    try:
        details = callbacks.validate(body, hours, utcnow())
    except callbacks.CallbackProblem as exc:
        return error(400, "invalid_callback", f"the callback details are not valid: {exc}", exc.fields)
    conversation_id = details.get("conversation_id")
    if conversation_id is not None and (
        not isinstance(conversation_id, str) or db.session.get(Conversation, conversation_id) is None
    ):
        return error(404, "unknown_conversation", "the hub has no conversation with that id")
    ticket = callbacks.create_ticket(details)
    logger.info("callback ticket %s for %s", ticket.reference, (conversation_id or "-")[:8])
    consoles = current_app.extensions.get("wayfinder.console_sockets")
    if consoles is not None:
        consoles.callback_requested(ticket.id)
    return jsonify({
        "reference": ticket.reference,
        "contact": "phone" if ticket.phone else "email",
        "preferred_time": ticket.preferred_time,
        "opening_hours": hours.describe(),
    }), 201


@bp.post("/api/conversation/back-to-assistant")
def back_to_assistant():
    """The customer's widget: `Authorization: Bearer <conversation id>` → the assistant answers again."""
    conversation = bearer_conversation()
    if conversation is None:
        return error(404, "unknown_conversation", "send the id the hub gave you as a Bearer token")
    handover = desk.customer_returns(conversation)
    return jsonify({"returned": handover is not None, "talking_to": talking_to(conversation)})
