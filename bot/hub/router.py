"""Routes a customer's message or page view: limit, redact, store, and let the bot (or an adviser) answer."""

from __future__ import annotations

import logging
import re
import threading
import weakref
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm.attributes import set_committed_value

from bot.hub.ids import ConversationIds
from bot.hub.limits import ConversationLimits
from bot.hub.rasa_client import Assistant, RasaUnavailable
from bot.hub.redact import redact
from bot.hub.store import Conversation, Message, db, get_row

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
ASSISTANT_UNAVAILABLE = (
    "Sorry, I can't answer right now because of a problem on our side, not anything you did. "
    "Please try again in a minute, or call Riverside Council on 01632 960 000 "
    "(Monday to Friday, 8am to 6pm)."
)
REDACTED_NOTICE = (
    "For your safety I've removed a card number, security code or password from your message. "
    "Please don't share them in this chat: we will never ask for them here."
)
PAGE_CHANGED_INTENT = "EXTERNAL_page_changed"
# What a bot message may carry on to the customer (Rasa's REST channel output).
BOT_MESSAGE_KEYS = ("text", "buttons", "custom", "image")
_ERROR_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,79}$")
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_RECENT = 50  # how far back to look for a repeated message or the offered buttons
_RECENT_ALL = (select(Message.id, Message.sender, Message.data).where(Message.conversation_id == bindparam("id"))
               .order_by(Message.id.desc()).limit(_RECENT))
_RECENT_FROM = _RECENT_ALL.where(Message.sender == bindparam("sender"))
_HANDLED_BY = select(Conversation.handled_by).where(Conversation.id == bindparam("id"))

Listener = Callable[[Conversation, Message], None]


class _TurnLock:
    """One conversation's turn lock (a class of its own so the registry can hold it weakly)."""

    __slots__ = ("__weakref__", "lock")

    def __init__(self) -> None:
        self.lock = threading.Lock()


class TurnLocks:
    """One lock per conversation, so that its turns (a message and the bot's answers) are stored
    one after another even when a customer sends several messages at once. Other conversations
    never wait for it; a lock disappears when no turn holds it."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, _TurnLock] = weakref.WeakValueDictionary()
        self._guard = threading.Lock()

    def get(self, conversation_id: str) -> _TurnLock:
        with self._guard:
            turn = self._locks.get(conversation_id)
            if turn is None:
                turn = self._locks[conversation_id] = _TurnLock()
            return turn


@dataclass
class RouterTurn:
    """Set while the router asks the assistant for a turn whose answers it stores, for the assistant's
    recorder (bot/content): what the recorder adds is committed with the answers, and `customer` is
    the message being answered (None for an external event), which it need not read back."""

    customer: Message | None = None


ROUTER_TURN: ContextVar[RouterTurn | None] = ContextVar("wayfinder_router_turn", default=None)


class BadMessage(ValueError):
    """The customer's message or its metadata cannot be accepted; the text says why."""

    def __init__(self, message: str, code: str = "invalid_message") -> None:
        super().__init__(message)
        self.code = code


def clean_text(value: Any) -> str:
    if not isinstance(value, str):
        raise BadMessage("message must be a string")
    text = _CONTROL.sub("", value).strip()
    if not text:
        raise BadMessage("message is empty", code="empty_message")
    if len(text) > MAX_MESSAGE_CHARS:
        raise BadMessage(
            f"That message is longer than {MAX_MESSAGE_CHARS:,} characters. "
            "Please shorten it or send it in parts.",
            code="message_too_long",
        )
    return text


def clean_metadata(value: Any) -> dict[str, str]:
    """Keep only what the bot uses from the page: its path and the error code it shows."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadMessage("metadata must be an object")
    metadata: dict[str, str] = {}
    page = value.get("page")
    if page is not None:
        if not isinstance(page, str) or len(page) > 500:
            raise BadMessage("metadata.page must be a path of at most 500 characters")
        metadata["page"] = _CONTROL.sub("", page)
    code = value.get("error_code")
    if code not in (None, ""):
        if not isinstance(code, str) or not _ERROR_CODE.match(code):
            raise BadMessage("metadata.error_code must look like CARD_DECLINED")
        metadata["error_code"] = code
    return metadata


def clean_client_id(value: Any) -> str | None:
    """The widget's own id for a message it may send twice (after a reconnect); None if unusable."""
    return value if isinstance(value, str) and _CLIENT_ID.match(value) else None


def rest_shape(message: Message) -> dict[str, Any]:
    """A stored bot, adviser or system message as Rasa's REST channel shows it."""
    shown = {k: v for k, v in (message.data or {}).items() if k in BOT_MESSAGE_KEYS}
    if message.text is not None:
        shown = {"text": message.text, **shown}
    return shown


@dataclass
class Reply:
    """What the customer sees from one turn."""

    conversation_id: str
    messages: list[dict[str, Any]]
    stored: list[Message] = field(default_factory=list)  # the same messages as stored
    customer: Message | None = None  # the customer's message as kept (redacted)


class ConversationRouter:
    """Owns conversation ids and the path customer → store → assistant (or adviser) → store → customer.

    Every message stored is passed to the listeners (the socket sends it to the customer's
    browser; the adviser console can follow conversations the same way).
    """

    def __init__(self, assistant: Assistant, ids: ConversationIds,
                 limits: ConversationLimits | None = None) -> None:
        self.assistant = assistant
        self.ids = ids
        self.limits = limits
        self.listeners: list[Listener] = []
        self.turns = TurnLocks()

    def resume_or_start(self, candidate: str | None, channel: str = "rest") -> Conversation:
        """The conversation for an id the hub issued; a new one for anything else."""
        conversation_id = self.ids.verify(candidate)
        if conversation_id:
            conversation = get_row(Conversation, conversation_id)
            if conversation is not None:
                return conversation
        else:
            conversation_id = self.ids.issue()
        conversation = Conversation(id=conversation_id, channel=channel)
        db.session.add(conversation)
        try:
            db.session.commit()
        except IntegrityError:  # the same id's first messages arrived at once: another request stored it
            db.session.rollback()
            conversation = db.session.get(Conversation, conversation_id)
        return conversation

    def customer_message(self, conversation: Conversation, text: Any, metadata: Any = None,
                         client_id: Any = None) -> Reply:
        """Store the customer's message (redacted) and answer it: the bot, or nobody while an adviser has it."""
        if self.limits:
            self.limits.hit("message", conversation.id)
        original = clean_text(text)
        metadata = clean_metadata(metadata)
        turn = self.turns.get(conversation.id)
        with turn.lock:
            _refresh_handled_by(conversation)  # an earlier turn may have changed who answers
            return self._customer_turn(conversation, original, metadata, clean_client_id(client_id))

    def _customer_turn(self, conversation: Conversation, original: str, metadata: dict[str, str],
                       client_id: str | None) -> Reply:
        text = redact(original)
        recent = self._recent(conversation)
        if client_id:
            for earlier in recent:
                if earlier.sender == "customer" and (earlier.data or {}).get("client_id") == client_id:
                    # already handled: a resend
                    return Reply(conversation.id, [], customer=db.session.get(Message, earlier.id))
        data: dict[str, Any] = dict(metadata)
        if client_id:
            data["client_id"] = client_id
        title = _offered_title(recent, text)
        if title:
            data["title"] = title
        if "page" in metadata:
            conversation.last_page = metadata["page"]
            conversation.last_error_code = metadata.get("error_code")
        customer = Message(conversation_id=conversation.id, sender="customer", text=text, data=data)
        db.session.add(customer)
        db.session.commit()
        self._publish(conversation, [customer])
        outgoing: list[Message] = []
        if text != original:
            outgoing.append(self._system(conversation, REDACTED_NOTICE, "redacted"))
            db.session.commit()
            self._publish(conversation, outgoing)
        if conversation.handled_by == "bot":
            outgoing += self._ask_bot(conversation, lambda: self.assistant.send(conversation.id, text, metadata),
                                      expect_answer=True, customer=customer)
        return Reply(conversation.id, [rest_shape(m) for m in outgoing], outgoing, customer)

    def page_view(self, conversation: Conversation, page: Any, error_code: Any = None) -> Reply:
        """Remember where the customer is; during a step-through, tell the bot (`EXTERNAL_page_changed`)."""
        metadata = clean_metadata({"page": page, "error_code": error_code})
        if not metadata.get("page"):
            raise BadMessage("page_view needs the page's path", code="invalid_page")
        if self.limits:
            self.limits.hit("page_view", conversation.id)
        following = conversation.handled_by == "bot" and self.step_through_in_progress(conversation)
        conversation.last_page = metadata["page"]
        conversation.last_error_code = metadata.get("error_code")
        viewed = Message(conversation_id=conversation.id, sender="page", text=None, data=metadata)
        db.session.add(viewed)
        db.session.commit()
        self._publish(conversation, [viewed])  # the adviser console follows the page live
        if not following:
            return Reply(conversation.id, [])
        outgoing = self._ask_bot(
            conversation, lambda: self.assistant.trigger_intent(conversation.id, PAGE_CHANGED_INTENT, metadata)
        )
        return Reply(conversation.id, [rest_shape(m) for m in outgoing], outgoing)

    def deliver(self, conversation: Conversation, sender: str, text: str | None,
                data: dict[str, Any] | None = None) -> Message:
        """Store a message to the customer from an adviser or the system, and pass it on."""
        message = Message(conversation_id=conversation.id, sender=sender,
                          text=redact(text) if text else text, data=data or {})
        db.session.add(message)
        db.session.commit()
        self._publish(conversation, [message])
        return message

    def step_through_in_progress(self, conversation: Conversation) -> bool:
        """True when the latest bot message with a custom payload pointed at a step (`highlight` or `step`)."""
        for message in self._recent(conversation, sender="bot"):
            custom = (message.data or {}).get("custom")
            if isinstance(custom, dict):
                return bool(custom.get("highlight") or custom.get("step"))
        return False

    def _ask_bot(self, conversation: Conversation, ask: Callable[[], list[dict[str, Any]]],
                 expect_answer: bool = False, customer: Message | None = None) -> list[Message]:
        """Store and pass on what the bot answers, or an honest apology when it cannot answer.

        Rasa answers a customer's message with nothing at all when the action server is down (it
        logs the failed action and carries on): with `expect_answer`, silence while a part is
        unhealthy gets the apology too.
        """
        outgoing: list[Message] = []
        try:
            turn = ROUTER_TURN.set(RouterTurn(customer))
            try:
                answers = ask()
            finally:
                ROUTER_TURN.reset(turn)
            if expect_answer and not answers:
                unhealthy = [part for part, state in self.assistant.health().items() if not state.get("ok")]
                if unhealthy:
                    raise RasaUnavailable(f"no answer, and not healthy: {', '.join(unhealthy)}")
        except RasaUnavailable as exc:
            logger.warning("assistant unavailable for %s: %s", conversation.id[:8], exc)
            outgoing.append(self._system(conversation, ASSISTANT_UNAVAILABLE, "assistant_unavailable"))
        else:
            for answer in answers:
                shown = {k: answer[k] for k in BOT_MESSAGE_KEYS if k in answer}
                if "text" in shown:
                    shown["text"] = redact(str(shown["text"]))
                message = Message(conversation_id=conversation.id, sender="bot", text=shown.pop("text", None), data=shown)
                db.session.add(message)
                outgoing.append(message)
        self._commit_answers(conversation, outgoing)
        self._publish(conversation, outgoing)
        return outgoing

    @staticmethod
    def _commit_answers(conversation: Conversation, outgoing: list[Message]) -> None:
        """Store the answers with whatever the assistant's recorder added (one transaction); if that
        cannot be stored, the answers alone - the customer's conversation comes first."""
        try:
            db.session.commit()
            return
        except SQLAlchemyError:
            db.session.rollback()
            logger.warning("could not store the record of a turn of %s: answers stored alone", conversation.id[:8],
                           exc_info=True)
        for message in outgoing:
            db.session.add(message)
        db.session.commit()

    def _system(self, conversation: Conversation, text: str, notice: str) -> Message:
        message = Message(conversation_id=conversation.id, sender="system", text=text, data={"custom": {"notice": notice}})
        db.session.add(message)
        return message

    def _recent(self, conversation: Conversation, sender: str | None = None) -> list[Row]:
        """The conversation's latest messages, newest first: their id, sender and data only. Rows read
        on the session's connection, not objects through the ORM: this runs on every turn, and the
        fifty objects it built were a tenth of the hub's time per turn."""
        statement, parameters = (_RECENT_FROM, {"id": conversation.id, "sender": sender}) if sender else (
            _RECENT_ALL, {"id": conversation.id})
        return list(db.session.connection().execute(statement, parameters))

    def _publish(self, conversation: Conversation, messages: list[Message]) -> None:
        for message in messages:
            for listener in self.listeners:
                try:
                    listener(conversation, message)
                except Exception:  # one failing listener must not lose the customer's turn
                    logger.exception("listener failed for %s", conversation.id[:8])


def _refresh_handled_by(conversation: Conversation) -> None:
    """Read again who answers the conversation: one column on the session's connection (a fifth of the
    cost of refreshing the object through the ORM, on every turn)."""
    handled_by = db.session.connection().execute(_HANDLED_BY, {"id": conversation.id}).scalar_one_or_none()
    if handled_by is None:  # gone (deleted meanwhile): refreshing raises, as it always did
        db.session.refresh(conversation)
        return
    set_committed_value(conversation, "handled_by", handled_by)


def _offered_title(recent: list[Row], text: str) -> str | None:
    """The button title when `text` is the payload of a button in the bot's latest turn."""
    for message in recent:
        if message.sender == "customer":
            return None
        for button in (message.data or {}).get("buttons") or []:
            if isinstance(button, dict) and button.get("payload") == text:
                title = button.get("title")
                return str(title)[:200] if title else None
    return None
