"""Keeps each conversation's journey and what the assistant understood, as the conversation happens.

Why the tracker: its `latest_message` is the parse_data of the customer's message (intent,
confidence, entities) and its `slots` say the service, the step, the problem and the outcome.
Rasa sends it along with the bot's answers - the hub's channel in Rasa (bot/rasa_channel.py)
for a customer message, Rasa's HTTP API for an external event - so recording costs no extra
request. Only when it is missing (another channel or tracker store) does the hub read the
tracker from Rasa's HTTP API, without events. What it understood is stored in the hub's own
tables, so review filters and insights are plain SQL over one database and still work when
Rasa's tracker store is rotated or Rasa is down.

Page views come through the router's listeners: a page of the conversation's service marks the
step reached, its error code the problem met, and the service's done page a completion.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import IntegrityError

from bot.content.models import (
    COMPLETED_ASSISTANT,
    COMPLETED_SELF,
    ERROR_CODE,
    PROBLEM,
    STEP,
    Journey,
    JourneyMark,
    MessageNlu,
)
from bot.hub.router import ROUTER_TURN
from bot.hub.store import Conversation, Message, db, get_row, utcnow

logger = logging.getLogger(__name__)

FALLBACK_INTENT = "nlu_fallback"
STUCK_INTENT = "stuck"
FINISHED_OUTCOMES = ("finished", "promotion_offered")
ENTITY_KEYS = ("entity", "value", "start", "end", "extractor", "role", "group")


class RecordingAssistant:
    """Wraps the assistant the router talks to; after each turn, records what Rasa understood.

    Recording never changes or delays what the customer sees beyond one local HTTP call, and a
    failure to record is logged, never raised. In the router's turns the rows are left in the
    session for its commit of the bot's answers (`ConversationRouter._ask_bot`), which stores the
    answers alone if the record cannot be stored; elsewhere (an adviser's hand-back) they are
    committed here.
    """

    def __init__(self, inner: Any, catalogue: Any) -> None:
        self.inner = inner
        self.catalogue = catalogue  # a callable returning the Catalogue

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def send(self, sender: str, text: str, metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        answers, tracker = self._turn("converse", "send", sender, text, metadata)
        self._record(sender, tracker, customer_turn=True)
        return answers

    def trigger_intent(self, sender: str, intent: str, entities: dict[str, Any]) -> list[dict[str, Any]]:
        answers, tracker = self._turn("trigger", "trigger_intent", sender, intent, entities)
        self._record(sender, tracker, customer_turn=False)
        return answers

    def _turn(self, with_tracker: str, answers_only: str, *args: Any) -> tuple[list[dict[str, Any]], dict | None]:
        """The answers, and the tracker after the turn when the assistant sends it along (RasaClient's
        `converse` / `trigger`); an assistant that only answers gives None, and `_record` reads it."""
        call = getattr(self.inner, with_tracker, None)
        if call is None:
            return getattr(self.inner, answers_only)(*args), None
        turn = call(*args)
        return turn.messages, turn.tracker

    def health(self) -> dict[str, Any]:
        return self.inner.health()

    def _record(self, sender: str, tracker: dict[str, Any] | None, customer_turn: bool) -> None:
        try:
            if tracker is None:
                read = getattr(self.inner, "tracker", None)
                if read is None:
                    return
                tracker = read(sender)
            record_turn(sender, tracker, self.catalogue(), customer_turn)
            if ROUTER_TURN.get() is None:  # not the router's turn (an adviser's hand-back): store it now
                db.session.commit()
        except Exception:
            db.session.rollback()
            logger.warning("could not record the turn of %s", sender[:8], exc_info=True)


def journey_for(conversation_id: str) -> Journey:
    """The conversation's journey; a new one is added to the session, to be stored by the caller's commit."""
    journey = get_row(Journey, conversation_id)
    if journey is None:
        journey = Journey(conversation_id=conversation_id, started_at=utcnow(), turns=0, fallbacks=0,
                          ended_in_fallback=False)
        db.session.add(journey)
    return journey


class Marks:
    """The steps, problems and error codes a journey has been marked with: read once, added once each."""

    def __init__(self, journey: Journey) -> None:
        self.journey = journey
        self.seen: set[tuple[str, str, str]] | None = None  # read when the first mark is added

    def add(self, kind: str, value: str | None, service: str | None = None) -> None:
        service = service or self.journey.service
        if not value or not service:
            return
        if self.seen is None:
            self.seen = {(m.service, m.kind, m.value) for m in
                         JourneyMark.query.filter_by(conversation_id=self.journey.conversation_id)
                         .with_entities(JourneyMark.service, JourneyMark.kind, JourneyMark.value)}
        key = (service, kind, value[:80])
        if key not in self.seen:
            self.seen.add(key)
            db.session.add(JourneyMark(conversation_id=self.journey.conversation_id, service=service, kind=kind,
                                       value=value[:80], started_at=self.journey.started_at))


def parse_of(tracker: dict[str, Any]) -> tuple[str | None, float | None, list[dict[str, Any]]]:
    """The intent, its confidence and the entities of the tracker's latest customer message."""
    latest = tracker.get("latest_message") or {}
    intent = latest.get("intent") or {}
    name = intent.get("name") if isinstance(intent, dict) else None
    confidence = intent.get("confidence") if isinstance(intent, dict) else None
    entities = [
        {k: e[k] for k in ENTITY_KEYS if k in e}
        for e in latest.get("entities") or []
        if isinstance(e, dict) and e.get("entity")
    ]
    return (str(name)[:80] if name else None,
            float(confidence) if isinstance(confidence, (int, float)) else None, entities)


def record_turn(conversation_id: str, tracker: dict[str, Any], catalogue: Any, customer_turn: bool) -> None:
    """Add to the session the parse_data of the customer's latest message and the journey brought up to date.

    Nothing is written here: the router commits these rows with the bot's answers, in one short
    transaction (reads first, no autoflush), so that SQLite's single writer is held as briefly
    as possible while twenty conversations answer at once.
    """
    with db.session.no_autoflush:
        _record_turn(conversation_id, tracker, catalogue, customer_turn)


def _record_turn(conversation_id: str, tracker: dict[str, Any], catalogue: Any, customer_turn: bool) -> None:
    if db.session.get(Conversation, conversation_id) is None:
        return
    journey = journey_for(conversation_id)
    marks = Marks(journey)
    slots = tracker.get("slots") or {}
    if customer_turn:
        intent, confidence, entities = parse_of(tracker)
        turn = ROUTER_TURN.get()
        customer = turn.customer if turn else None  # the router's message being answered: not yet recorded
        if customer is None or customer.conversation_id != conversation_id or customer.id is None:
            customer = (Message.query.filter_by(conversation_id=conversation_id, sender="customer")
                        .order_by(Message.id.desc()).first())
            if customer is not None and db.session.get(MessageNlu, customer.id) is not None:
                customer = None
        if customer is not None:
            db.session.add(MessageNlu(message_id=customer.id, conversation_id=conversation_id, intent=intent,
                                      confidence=confidence, entities=entities))
        journey.turns = (journey.turns or 0) + 1
        journey.ended_in_fallback = intent == FALLBACK_INTENT
        if intent == FALLBACK_INTENT:
            journey.fallbacks = (journey.fallbacks or 0) + 1
        if confidence is not None and not (customer and (customer.text or "").startswith("/")):
            journey.min_confidence = confidence if journey.min_confidence is None else min(
                journey.min_confidence, confidence)
    else:
        intent = None
    service_id = slots.get("service")
    service = catalogue.get(service_id) if isinstance(service_id, str) else None
    if service is not None:
        journey.service = service.id
    service = catalogue.get(journey.service or "")
    step_id = slots.get("current_step")
    if isinstance(step_id, str) and service is not None and service.step(step_id) is not None:
        journey.current_step = step_id
        marks.add(STEP, step_id)
    problem_id = slots.get("problem")
    if isinstance(problem_id, str) and service is not None and service.problem(problem_id) is not None:
        marks.add(PROBLEM, problem_id)
        step = service.step_for_problem(problem_id)
        if step is not None:
            journey.stuck_step = step.id
    code = slots.get("error_code")
    if isinstance(code, str) and code and service is not None:
        marks.add(ERROR_CODE, code.upper())
    if intent == STUCK_INTENT and journey.current_step:
        journey.stuck_step = journey.current_step
    if slots.get("outcome") in FINISHED_OUTCOMES and service is not None and not journey.completed:
        journey.completed = COMPLETED_ASSISTANT if slots.get("support_mode") == "do_it_for_me" else COMPLETED_SELF
        journey.completed_at = utcnow()


def record_page(conversation: Conversation, message: Message, catalogue: Any) -> None:
    """A page view (router listener): the step it shows, the error on it, or the service's done page.
    `catalogue` returns the Catalogue, read only for a page view (the listener sees every message)."""
    if message.sender != "page":
        return
    try:
        journey = get_row(Journey, conversation.id)
        service = catalogue().get(journey.service or "") if journey is not None else None
        data = message.data or {}
        page = data.get("page")
        if service is None or not isinstance(page, str):
            return
        if service.is_done_page(page):
            if not journey.completed:
                journey.completed, journey.completed_at = COMPLETED_SELF, utcnow()
        else:
            step = service.step_for_page(page)
            if step is None:
                return
            journey.current_step = step.id
            marks = Marks(journey)
            marks.add(STEP, step.id)
            code = data.get("error_code")
            if code:
                marks.add(ERROR_CODE, code)
                problem = service.problem_for_error_code(code)
                if problem is not None:
                    marks.add(PROBLEM, problem.id)
                journey.stuck_step = step.id
        db.session.commit()
    except Exception:
        db.session.rollback()
        logger.warning("could not record a page view of %s", conversation.id[:8], exc_info=True)


def rate(conversation: Conversation, rating: int, comment: str | None) -> Journey:
    """The customer's end-of-chat rating (1-5) and optional comment; a later one replaces it."""
    def rated(journey: Journey) -> Journey:
        journey.rating, journey.rating_comment, journey.rated_at = rating, comment, utcnow()
        return journey

    journey = rated(journey_for(conversation.id))
    try:
        db.session.commit()
    except IntegrityError:  # the first turn created the journey a moment ago: rate that one
        db.session.rollback()
        journey = rated(db.session.get(Journey, conversation.id))
        db.session.commit()
    return journey
