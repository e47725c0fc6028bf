"""What advisers do with a handover: claim, reply, hand back, resolve, reassign — one path for pages, API and socket."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import update

from bot.console.models import OPEN_STATUSES, Adviser, Handover
from bot.console.present import OUTCOMES, handback_steps, queue_item
from bot.console.sessions import advisers_free, advisers_online
from bot.console.settings import console_settings
from bot.hub.rasa_client import RasaUnavailable
from bot.hub.redact import redact
from bot.hub.router import BOT_MESSAGE_KEYS, BadMessage, clean_text
from bot.hub.store import Conversation, db, utcnow

logger = logging.getLogger(__name__)

HANDBACK_INTENT = "EXTERNAL_handback"
MAX_NOTE_CHARS = 500
BACK_WITH_ASSISTANT = "You're back with the assistant: just type what you need."
AVERAGE_OVER = 20  # recent handovers that set the wait estimate, once there are that many


class DeskError(Exception):
    """The adviser cannot do that now; `status` is the HTTP status, `code` a stable name."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class QueuePlace:
    position: int
    wait_minutes: int
    advisers_online: int


# -- who may do what ------------------------------------------------------------------------


def can_view(adviser: Adviser, handover: Handover) -> bool:
    """Waiting chats and callbacks are everyone's; a claimed or closed one is its adviser's (and supervisors')."""
    if adviser.is_supervisor or handover.status in ("waiting", "callback"):
        return True
    return adviser.id in (handover.claimed_by_id, handover.resolved_by_id)


def can_act(adviser: Adviser, handover: Handover) -> bool:
    return adviser.is_supervisor or handover.claimed_by_id == adviser.id


def get_for(adviser: Adviser, handover_id: int) -> Handover:
    handover = db.session.get(Handover, handover_id)
    if handover is None:
        raise DeskError(404, "not_found", "There is no such handover.")
    if not can_view(adviser, handover):
        raise DeskError(403, "forbidden", "This chat is with another adviser.")
    return handover


def visible(adviser: Adviser, include_closed: bool = False) -> list[Handover]:
    """The queue as this adviser sees it: waiting ones, their own, and (supervisors) everyone's."""
    statuses = ("waiting", "claimed", "resolved") if include_closed else OPEN_STATUSES
    query = Handover.query.filter(Handover.status.in_(statuses))
    if not adviser.is_supervisor:
        query = query.filter(db.or_(Handover.status == "waiting", Handover.claimed_by_id == adviser.id))
    return query.order_by(Handover.created_at, Handover.id).limit(500).all()


def _require_open_for(adviser: Adviser, handover: Handover) -> None:
    if handover.status != "claimed":
        raise DeskError(409, "not_claimed", "Claim this chat before answering or closing it.")
    if not can_act(adviser, handover):
        raise DeskError(403, "forbidden", "This chat is with another adviser.")


# -- the queue ------------------------------------------------------------------------------


def position(handover: Handover) -> int:
    """1 for the next customer to be answered; 0 once an adviser has the chat."""
    if handover.status != "waiting":
        return 0
    return Handover.query.filter(Handover.status == "waiting", Handover.id <= handover.id).count()


def average_minutes() -> float:
    """Minutes an adviser spends per customer: recent history, else WAYFINDER_HANDOVER_MINUTES."""
    recent = (
        Handover.query.filter(Handover.claimed_at.isnot(None), Handover.resolved_at.isnot(None))
        .order_by(Handover.resolved_at.desc()).limit(AVERAGE_OVER).all()
    )
    if len(recent) < AVERAGE_OVER:
        return console_settings(current_app).handover_minutes
    spent = [(h.resolved_at - h.claimed_at).total_seconds() / 60 for h in recent]
    return max(1.0, sum(spent) / len(spent))


def place(handover: Handover, online: int | None = None) -> QueuePlace:
    """Where the customer is in the queue and about how long they will wait: advisers with no chat
    open take the first customers at once (about a minute); the rest wait for the advisers online
    to finish chats of about `average_minutes` each."""
    where = position(handover)
    online = advisers_online() if online is None else online  # the caller may have counted them just now
    if not where:
        return QueuePlace(0, 0, online)
    behind_busy = max(0, where - advisers_free())
    return QueuePlace(where, max(1, math.ceil(behind_busy * average_minutes() / max(1, online))), online)


# -- what advisers do -------------------------------------------------------------------------


def claim(adviser: Adviser, handover_id: int) -> Handover:
    """Take a waiting chat. One conditional UPDATE: of two advisers at the same moment, one wins."""
    current = db.session.get(Handover, handover_id)
    if current is not None and current.status == "claimed" and current.claimed_by_id != adviser.id:
        # the other adviser's claim landed first: that is the race being lost, not a forbidden chat
        raise DeskError(409, "already_claimed", "Another adviser has just taken this chat.")
    handover = get_for(adviser, handover_id)
    now = utcnow()
    result = db.session.execute(
        update(Handover)
        .where(Handover.id == handover_id, Handover.status == "waiting")
        .values(status="claimed", claimed_by_id=adviser.id, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise DeskError(409, "already_claimed", "Another adviser has just taken this chat.")
    conversation = db.session.get(Conversation, handover.conversation_id)
    conversation.handled_by = "adviser"
    db.session.commit()
    db.session.refresh(handover)
    logger.info("handover %s claimed by adviser %s", handover.id, adviser.id)
    _greet(handover, adviser)
    _changed(handover)
    return handover


def reply(adviser: Adviser, handover_id: int, text: Any) -> dict[str, Any]:
    """The adviser's message, to the customer's widget under the adviser's display name."""
    handover = get_for(adviser, handover_id)
    _require_open_for(adviser, handover)
    try:
        text = clean_text(text)
    except BadMessage as exc:
        raise DeskError(400, exc.code, str(exc)) from None
    message = _router().deliver(handover.conversation, "adviser", text, {"sender_name": adviser.display_name})
    logger.info("adviser %s replied in handover %s", adviser.id, handover.id)
    return {"id": message.id}


def hand_back(adviser: Adviser, handover_id: int, step: Any, note: Any) -> Handover:
    """Back to the assistant at a chosen step with a note (`EXTERNAL_handback`); the bot answers next."""
    handover = get_for(adviser, handover_id)
    _require_open_for(adviser, handover)
    step = step.strip() if isinstance(step, str) else ""
    note = redact(note.strip())[:MAX_NOTE_CHARS] if isinstance(note, str) else ""
    if step and step not in {s["id"] for s in handback_steps(handover)}:
        raise DeskError(400, "unknown_step", "Choose one of the steps of this service, or none.")
    entities = {k: v for k, v in (("step", step), ("note", note)) if v}
    assistant = current_app.extensions["wayfinder.assistant"]
    try:
        answers = assistant.trigger_intent(handover.conversation_id, HANDBACK_INTENT, entities)
    except RasaUnavailable as exc:
        logger.warning("hand back of %s failed: %s", handover.id, exc)
        raise DeskError(502, "assistant_unavailable",
                        "The assistant is not answering, so the chat stays with you. Try again shortly.") from None
    _close(handover, adviser, "handed_back", note or None)
    handover.handback_step = step or None
    db.session.commit()
    _deliver_answers(handover.conversation, answers)
    logger.info("handover %s handed back to the assistant by adviser %s", handover.id, adviser.id)
    _after_close(handover)
    return handover


def resolve(adviser: Adviser, handover_id: int, outcome: Any, note: Any) -> Handover:
    handover = get_for(adviser, handover_id)
    if handover.status == "waiting" and adviser.is_supervisor:
        pass  # a supervisor may close a chat nobody took (the customer left)
    else:
        _require_open_for(adviser, handover)
    if not isinstance(outcome, str) or outcome not in OUTCOMES:
        raise DeskError(400, "unknown_outcome", f"The outcome must be one of: {', '.join(OUTCOMES)}.")
    note = redact(note.strip())[:MAX_NOTE_CHARS] if isinstance(note, str) and note.strip() else None
    was_claimed = handover.status == "claimed"
    _close(handover, adviser, outcome, note)
    db.session.commit()
    if was_claimed:
        _router().deliver(handover.conversation, "system",
                          f"{adviser.display_name} has finished helping you. If you need anything else, "
                          "just type here and the assistant will answer.",
                          {"custom": {"notice": "handover_resolved"}})
    logger.info("handover %s resolved (%s) by adviser %s", handover.id, outcome, adviser.id)
    _after_close(handover)
    return handover


def reassign(supervisor: Adviser, handover_id: int, to: Any) -> Handover:
    """Supervisors only: give an open chat to another adviser, or put it back in the queue (`to` = 'queue')."""
    if not supervisor.is_supervisor:
        raise DeskError(403, "forbidden", "Only a supervisor can reassign chats.")
    handover = get_for(supervisor, handover_id)
    if not handover.is_open:
        raise DeskError(409, "closed", "This chat is already closed.")
    if to == "queue":
        handover.status, handover.claimed_by_id, handover.claimed_at = "waiting", None, None
        handover.conversation.handled_by = "queue"
        db.session.commit()
        _changed(handover)
        return handover
    try:
        target_id = int(to)
    except (TypeError, ValueError, OverflowError):
        target_id = 0
    target = db.session.get(Adviser, target_id) if 0 < target_id < 2**63 else None
    if target is None or not target.active or target.is_content:
        raise DeskError(400, "unknown_adviser", "Choose an adviser who can take chats, or the queue.")
    handover.status, handover.claimed_by_id, handover.claimed_at = "claimed", target.id, utcnow()
    handover.conversation.handled_by = "adviser"
    db.session.commit()
    logger.info("handover %s reassigned to adviser %s by %s", handover.id, target.id, supervisor.id)
    _greet(handover, target, taking_over=True)
    _changed(handover)
    return handover


def customer_returns(conversation: Conversation) -> Handover | None:
    """The customer chose to go back to the assistant: close their open handover, tell the advisers and Rasa.

    Rasa hears `EXTERNAL_handback` (by: customer) so the assistant knows it answers again and
    says so; if Rasa is not answering, the hub says it instead.
    """
    handover = Handover.query.filter(Handover.conversation_id == conversation.id,
                                     Handover.status.in_(OPEN_STATUSES)).first()
    if handover is None:
        return None
    _close(handover, None, "customer_returned", None)
    db.session.commit()
    logger.info("handover %s: the customer went back to the assistant", handover.id)
    _after_close(handover)
    try:
        answers = current_app.extensions["wayfinder.assistant"].trigger_intent(
            conversation.id, HANDBACK_INTENT, {"by": "customer"})
    except RasaUnavailable as exc:
        logger.warning("back to the assistant for %s: Rasa did not answer (%s)", conversation.id[:8], exc)
        answers = []
    _deliver_answers(conversation, answers)
    if not answers:
        _router().deliver(conversation, "system", BACK_WITH_ASSISTANT, {"custom": {"notice": "back_to_assistant"}})
    return handover


def set_available(adviser: Adviser, available: bool) -> None:
    adviser.available = bool(available)
    db.session.commit()


# -- helpers ----------------------------------------------------------------------------------


def _router():
    return current_app.extensions["wayfinder.router"]


def _deliver_answers(conversation: Conversation, answers: list[dict[str, Any]]) -> None:
    """What Rasa answered to a triggered intent, stored and sent to the widget as the bot's messages."""
    router = _router()
    for answer in answers:
        shown = {k: answer[k] for k in BOT_MESSAGE_KEYS if k in answer}
        router.deliver(conversation, "bot", shown.pop("text", None), shown)


def _close(handover: Handover, adviser: Adviser | None, outcome: str, note: str | None) -> None:
    handover.status = "resolved"
    handover.outcome, handover.outcome_note = outcome, note
    handover.resolved_at = utcnow()
    handover.resolved_by_id = adviser.id if adviser else None
    handover.conversation.handled_by = "bot"


def _greet(handover: Handover, adviser: Adviser, taking_over: bool = False) -> None:
    """Tell the customer who has them now (CS16); the widget shows the name."""
    joined = "I'm taking over this chat" if taking_over else "I've picked up your chat"
    text = (f"Hello, I'm {adviser.display_name}, an adviser. {joined} and I can see everything you've told "
            "the assistant, so you won't need to repeat it.")
    _router().deliver(handover.conversation, "adviser", text,
                      {"sender_name": adviser.display_name, "custom": {"notice": "adviser_joined"}})


def _customer_sockets():
    return current_app.extensions.get("wayfinder.sockets")


def _changed(handover: Handover) -> None:
    consoles = current_app.extensions.get("wayfinder.console_sockets")
    if consoles is not None:
        consoles.handover_changed(queue_item(handover, position(handover)))
    sockets = _customer_sockets()
    if sockets is not None and hasattr(sockets, "tell_talking_to"):
        sockets.tell_talking_to(handover.conversation)


def _after_close(handover: Handover) -> None:
    _changed(handover)
    consoles = current_app.extensions.get("wayfinder.console_sockets")
    if consoles is not None:
        consoles.forget_handover(handover.id)

