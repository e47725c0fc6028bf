"""Conversation review for content editors: filtered lists, transcripts with what the assistant
understood, and exports as Rasa YAML (test story, training story, NLU examples), redacted."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists

from bot.console.models import Handover
from bot.content.models import Journey, MessageNlu
from bot.hub.redact import redact
from bot.hub.store import Conversation, Message, db

PAGE_SIZE = 50
LOW_CONFIDENCE = 0.6  # the default "low NLU confidence" line (the page lets editors move it)
FILTERS = {
    "escalated": "Handed to an adviser",
    "fallback": "Ended in fallback",
    "low_confidence": "Low NLU confidence",
    "stuck": "Stuck at a step",
    "low_rating": "Rated 2 or less",
}
# What an exported example or story may carry: the catalogue's and the dialogue's entities.
EXPORTED_ENTITIES = ("service", "problem", "familiarity", "error_code", "account_reference", "postcode",
                     "page", "step", "note")
# Personal details are replaced by the demo's own, so exports can be shared and committed.
PERSONAL_VALUES = {"account_reference": "12345678", "postcode": "RV1 1AA"}
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w])(?:\+44\s?|0)(?:\d[\s-]?){9,10}(?![\w])")
_SKIPPED_ACTIONS = {"action_listen", "action_session_start", "action_extract_slots", "action_unlikely_intent"}
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ReviewError(Exception):
    """Bad input for review or export; `status` is the HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


# -- the list ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    escalated: bool = False
    fallback: bool = False
    low_confidence: bool = False
    stuck: bool = False
    low_rating: bool = False
    service: str | None = None
    threshold: float = LOW_CONFIDENCE

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        try:
            threshold = float(args.get("threshold") or LOW_CONFIDENCE)
        except ValueError:
            raise ReviewError(400, "threshold must be a number between 0 and 1") from None
        if not 0 <= threshold <= 1:
            raise ReviewError(400, "threshold must be a number between 0 and 1")
        service = (args.get("service") or "").strip() or None
        if service is not None and not NAME.match(service):
            raise ReviewError(400, "service must be a catalogue service id")
        return cls(*(args.get(name) in ("1", "on", "true") for name in FILTERS), service=service,
                   threshold=threshold)

    def active(self) -> list[str]:
        return [name for name in FILTERS if getattr(self, name)]


def escalated_clause():
    return exists().where(Handover.conversation_id == Journey.conversation_id)


def conversations(filters: Filters, page: int = 1) -> tuple[list[dict[str, Any]], int]:
    """One page of conversations matching every chosen filter, newest first, and the total."""
    escalated = escalated_clause()
    query = db.session.query(Journey, escalated.label("escalated"))
    if filters.escalated:
        query = query.filter(escalated)
    if filters.fallback:
        query = query.filter(Journey.ended_in_fallback.is_(True))
    if filters.low_confidence:
        query = query.filter(Journey.min_confidence < filters.threshold)
    if filters.stuck:
        query = query.filter(Journey.stuck_step.isnot(None))
    if filters.low_rating:
        query = query.filter(Journey.rating <= 2)
    if filters.service:
        query = query.filter(Journey.service == filters.service)
    total = query.count()
    rows = (query.order_by(Journey.started_at.desc(), Journey.conversation_id)
            .offset((max(page, 1) - 1) * PAGE_SIZE).limit(PAGE_SIZE).all())
    return [row_of(journey, bool(was_escalated)) for journey, was_escalated in rows], total


def row_of(journey: Journey, escalated: bool) -> dict[str, Any]:
    return {
        "conversation_id": journey.conversation_id,
        "started_at": journey.started_at,
        "service": journey.service,
        "current_step": journey.current_step,
        "stuck_step": journey.stuck_step,
        "completed": journey.completed,
        "escalated": escalated,
        "ended_in_fallback": journey.ended_in_fallback,
        "fallbacks": journey.fallbacks,
        "min_confidence": journey.min_confidence,
        "turns": journey.turns,
        "rating": journey.rating,
        "rating_comment": journey.rating_comment,
    }


# -- one conversation ----------------------------------------------------------------------------


def journey_or_404(conversation_id: str) -> Journey:
    journey = db.session.get(Journey, conversation_id) if len(conversation_id) <= 80 else None
    if journey is None:
        raise ReviewError(404, "There is no such conversation to review.")
    return journey


def transcript(conversation_id: str) -> list[dict[str, Any]]:
    """Every message, oldest first; each customer message with its intent, confidence and entities."""
    rows = (db.session.query(Message, MessageNlu)
            .outerjoin(MessageNlu, MessageNlu.message_id == Message.id)
            .filter(Message.conversation_id == conversation_id)
            .order_by(Message.id).limit(2000).all())
    items = []
    for message, nlu in rows:
        data = message.data or {}
        item: dict[str, Any] = {"id": message.id, "sender": message.sender, "created_at": message.created_at,
                                "text": message.text, "page": data.get("page"),
                                "error_code": data.get("error_code"), "title": data.get("title")}
        if nlu is not None:
            item.update(intent=nlu.intent, confidence=nlu.confidence, entities=nlu.entities or [])
        items.append(item)
    return items


def customer_message(message_id: int) -> tuple[Message, MessageNlu | None]:
    message = db.session.get(Message, message_id)
    if message is None or message.sender != "customer" or not message.text:
        raise ReviewError(404, "There is no such customer message.")
    return message, db.session.get(MessageNlu, message_id)


# -- Rasa's YAML -------------------------------------------------------------------------------


def _clean(text: str) -> str:
    """One line, without Rasa's annotation brackets, card numbers, passwords, e-mails or phone numbers."""
    text = redact(re.sub(r"\s+", " ", text))
    text = _EMAIL.sub("someone@example.com", text)
    text = _PHONE.sub("07700 900123", text)
    return text.replace("[", "(").replace("]", ")").replace("{", "(").replace("}", ")")


def annotate(text: str, entities: Iterable[Mapping[str, Any]]) -> str:
    """The message as a Rasa training example: `[words]{"entity": ..., "value": ...}`, redacted."""
    spans = []
    for entity in sorted(entities, key=lambda e: (e.get("start", -1), -(e.get("end", 0)))):
        start, end, name = entity.get("start"), entity.get("end"), entity.get("entity")
        if not isinstance(start, int) or not isinstance(end, int) or name not in EXPORTED_ENTITIES:
            continue
        if not 0 <= start < end <= len(text) or (spans and start < spans[-1][1]):
            continue  # not in this text, or overlapping one already taken (ruler and DIET agree)
        spans.append((start, end, name, entity.get("value")))
    out, at = [], 0
    for start, end, name, value in spans:
        out.append(_clean(text[at:start]))
        words = PERSONAL_VALUES.get(name) or _clean(text[start:end]).strip()
        if not words:
            at = end
            continue
        value = PERSONAL_VALUES.get(name, value)
        if value is None or str(value) == words:
            out.append(f"[{words}]({name})")
        else:
            out.append("[" + words + "]" + json.dumps({"entity": name, "value": str(value)}, ensure_ascii=False))
        at = end
    out.append(_clean(text[at:]))
    return " ".join("".join(out).split())


def nlu_yaml(examples: Iterable[tuple[str, str]]) -> str:
    """`version: "3.1"` NLU data, examples grouped by intent: ready for a file in data/nlu/."""
    by_intent: dict[str, list[str]] = {}
    for intent, example in examples:
        if example not in by_intent.setdefault(intent, []):
            by_intent[intent].append(example)
    lines = ['version: "3.1"', "", "# Marked in the content review (Wayfinder console).", "nlu:"]
    for intent, items in by_intent.items():
        lines += [f"- intent: {intent}", "  examples: |"] + [f"    - {item}" for item in items]
    return "\n".join(lines) + "\n"


def _value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def story_yaml(events: list[Mapping[str, Any]], slots: Iterable[str], name: str, test: bool) -> str:
    """A conversation's tracker events as one Rasa story (`test`: a test story, with the customers'
    words annotated; else a training story with intents and entities), redacted."""
    keep_slots = set(slots)
    steps: list[str] = []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            steps += _user_step(event, test)
        elif kind == "action" and event.get("name") and event["name"] not in _SKIPPED_ACTIONS:
            steps.append(f"  - action: {event['name']}")
        elif kind == "slot" and event.get("name") in keep_slots:
            steps += ["  - slot_was_set:", f"    - {event['name']}: {_value(event.get('value'))}"]
        elif kind == "active_loop":
            steps.append(f"  - active_loop: {event.get('name') or 'null'}")
    if not any(s.startswith(("  - user:", "  - intent:")) for s in steps):
        raise ReviewError(409, "Rasa has no customer messages for this conversation to export.")
    header = "# Exported from the content review (Wayfinder console); personal details replaced."
    body = ['version: "3.1"', header, "stories:", f"- story: {_value(name)}", "  steps:"]
    return "\n".join(body + ["  " + s for s in steps]) + "\n"


def _user_step(event: Mapping[str, Any], test: bool) -> list[str]:
    parse = event.get("parse_data") or {}
    intent = (parse.get("intent") or {}).get("name")
    if not intent or not NAME.match(str(intent)):
        return []
    entities = [e for e in parse.get("entities") or [] if isinstance(e, dict)]
    text = event.get("text") or ""
    if test and text and not str(text).startswith(("/", "EXTERNAL")):
        return ["  - user: |", f"      {annotate(str(text), entities)}", f"    intent: {intent}"]
    lines = [f"  - intent: {intent}"]
    named = [e for e in entities if e.get("entity") in EXPORTED_ENTITIES]
    if named:
        lines.append("    entities:")
        seen = set()
        for entity in named:
            value = PERSONAL_VALUES.get(entity["entity"], entity.get("value"))
            if (entity["entity"], str(value)) not in seen:
                seen.add((entity["entity"], str(value)))
                lines.append(f"    - {entity['entity']}: {_value(value)}")
    return lines


def exportable_slots(domain: Mapping[str, Any]) -> list[str]:
    """Slots that steer the dialogue (the ones a story should show), from Rasa's `GET /domain`."""
    slots = domain.get("slots") or {}
    return [name for name, spec in slots.items()
            if isinstance(spec, Mapping) and spec.get("influence_conversation", True)]


def conversation_exists(conversation_id: str) -> bool:
    return db.session.get(Conversation, conversation_id) is not None
