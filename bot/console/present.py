"""How handovers, messages and tickets look to advisers: labels and the JSON the console's pages and API share."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app

from bot.catalogue import Catalogue, load_catalogue
from bot.config import PROJECT_ROOT
from bot.console.models import CallbackTicket, Handover
from bot.console.settings import console_settings, setting
from bot.hub.store import Message, utcnow

logger = logging.getLogger(__name__)

REASONS = {
    "system_failure": "The online service itself failed",
    "customer_request": "The customer asked for a person",
    "frustration": "The customer is frustrated",
    "stuck": "Stuck at the same step",
    "not_understood": "The assistant did not understand them",
}
TRIED = {
    "retry_alone": "Trying again on their own",
    "step_through": "Stepping through with the assistant",
    "do_it_for_me": "The assistant doing it for them",
}
FAMILIARITY = {"new": "New to the site", "familiar": "Has used the site before"}
OUTCOMES = {
    "resolved": "Sorted in the chat",
    "callback_arranged": "Callback or follow-up arranged",
    "referred": "Referred to another team or channel",
    "customer_left": "The customer left",
    "other": "Other (see the note)",
}
CLOSED_OUTCOMES = {**OUTCOMES, "handed_back": "Handed back to the assistant",
                   "customer_returned": "The customer went back to the assistant"}
STATUS = {"waiting": "Waiting", "claimed": "With an adviser", "resolved": "Closed", "callback": "Callback offered"}
PREFERRED_TIMES = {"asap": "As soon as possible", "morning": "A morning", "afternoon": "An afternoon"}
TRANSCRIPT_SENDERS = ("customer", "bot", "adviser", "system", "page")


@lru_cache(maxsize=4)
def _load(directory: Path) -> Catalogue:
    try:
        return load_catalogue(directory)
    except Exception:  # the console still works without service names and steps
        logger.exception("catalogue could not be loaded from %s", directory)
        return Catalogue()


def catalogue() -> Catalogue:
    """The service catalogue (for service names and hand-back steps), loaded once per process."""
    directory = Path(setting(current_app, "WAYFINDER_CATALOGUE_DIR") or "data/services")
    return _load(directory if directory.is_absolute() else PROJECT_ROOT / directory)


def handback_steps(handover: Handover) -> list[dict[str, str]]:
    """The steps of the customer's service, to hand back at one of them."""
    service = catalogue().get(handover.goal or "")
    return [{"id": step.id, "title": step.title} for step in service.steps] if service else []


def iso(moment) -> str | None:
    return moment.isoformat() + "Z" if moment else None


def local_time(moment) -> str:
    """'14:05' today, else '3 Jun 14:05', in the opening hours' time zone."""
    if moment is None:
        return ""
    hours = console_settings(current_app).opening_hours
    local, now = hours.local(moment), hours.local(utcnow())
    return local.strftime("%H:%M") if local.date() == now.date() else local.strftime("%-d %b %H:%M")


def minutes_since(moment) -> int:
    return max(0, int((utcnow() - moment).total_seconds() // 60))


def service_name(handover: Handover) -> str:
    if handover.goal_name:
        return handover.goal_name
    service = catalogue().get(handover.goal or "")
    return service.name if service else "Not known yet"


def problem_text(handover: Handover) -> dict[str, str] | None:
    if not handover.problem:
        return None
    service = catalogue().get(handover.goal or "")
    problem = service.problem(handover.problem) if service else None
    return {"id": handover.problem, "label": handover.problem.replace("_", " "),
            "help": problem.help if problem else ""}


def queue_item(handover: Handover, position: int | None = None) -> dict[str, Any]:
    """One row of the queue: nothing the customer said, just what an adviser needs to pick it."""
    return {
        "id": handover.id,
        "status": handover.status,
        "status_label": STATUS.get(handover.status, handover.status),
        "reason": handover.reason,
        "reason_label": REASONS.get(handover.reason, handover.reason),
        "service": handover.goal,
        "service_name": service_name(handover),
        "created_at": iso(handover.created_at),
        "waiting_minutes": minutes_since(handover.created_at),
        "position": position,
        "claimed_by": handover.claimed_by.display_name if handover.claimed_by else None,
        "claimed_by_id": handover.claimed_by_id,
        "reference": handover.conversation_id[:8],
    }


def summary(handover: Handover) -> dict[str, Any]:
    """The summary card: everything the assistant learned, so the customer never repeats it (CS16)."""
    return {
        **queue_item(handover),
        "problem": problem_text(handover),
        "familiarity": handover.familiarity,
        "familiarity_label": FAMILIARITY.get(handover.familiarity or "", "Not known"),
        "step_id": handover.step_id,
        "step_reached": handover.step_reached,
        "pages_visited": list(handover.pages_visited or []),
        "error_codes": list(handover.error_codes or []),
        "failure_details": handover.failure_details,
        "tried": [{"id": t, "label": TRIED.get(t, t)} for t in handover.tried or []],
        "identity_verified": bool(handover.identity_verified),
        "customer_words": list(handover.customer_words or []),
        "current_page": handover.conversation.last_page if handover.conversation else None,
        "current_error_code": handover.conversation.last_error_code if handover.conversation else None,
        "outcome": handover.outcome,
        "outcome_label": CLOSED_OUTCOMES.get(handover.outcome or "", handover.outcome),
        "outcome_note": handover.outcome_note,
        "resolved_by": handover.resolved_by.display_name if handover.resolved_by else None,
    }


def transcript_entry(message: Message) -> dict[str, Any]:
    """A stored (already redacted) message, or a page view, as the console shows it."""
    data = message.data or {}
    entry: dict[str, Any] = {"id": message.id, "sender": message.sender, "text": message.text,
                             "created_at": iso(message.created_at), "time": local_time(message.created_at)}
    if message.sender == "customer" and data.get("title"):
        entry["text"] = data["title"]  # the button they pressed, as they saw it
    if data.get("sender_name"):
        entry["sender_name"] = str(data["sender_name"])
    if data.get("buttons"):
        entry["buttons"] = [str(b.get("title")) for b in data["buttons"] if isinstance(b, dict)]
    if message.sender == "page" or data.get("page"):
        entry["page"] = data.get("page")
        entry["error_code"] = data.get("error_code")
    return entry


def transcript(handover: Handover, limit: int = 1000) -> list[dict[str, Any]]:
    messages = (
        Message.query.filter(Message.conversation_id == handover.conversation_id,
                             Message.sender.in_(TRANSCRIPT_SENDERS))
        .order_by(Message.id.desc()).limit(limit).all()
    )
    return [transcript_entry(m) for m in reversed(messages)]


def ticket(item: CallbackTicket) -> dict[str, Any]:
    return {
        "id": item.id,
        "reference": item.reference,
        "created_at": iso(item.created_at),
        "created_local": local_time(item.created_at),
        "name": item.name,
        "phone": item.phone,
        "email": item.email,
        "preferred_time": item.preferred_time,
        "preferred_time_label": PREFERRED_TIMES.get(item.preferred_time, item.preferred_time),
        "status": item.status,
        "note": item.note,
        "done_by": item.done_by.display_name if item.done_by else None,
        "handover": summary(item.handover) if item.handover else None,
    }
