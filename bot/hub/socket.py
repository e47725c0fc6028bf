"""The Socket.IO front door: Rasa's socket.io protocol, plus page views and history for Wayfinder's widget.

Events from the browser: `session_request {session_id?}` → `session_confirm {session_id}`;
`user_uttered {message, session_id, metadata | customData, client_id?}` → `bot_uttered`
events; `page_view {page, error_code?}`; `history_request` → the conversation so far.
Each event that asks for an acknowledgement gets `{"ok": true, ...}` or
`{"ok": false, "error": code, "message": text}`. The conversation id is always the one the
hub issued and bound to this socket: an id a client makes up is never trusted.

Sizes: the transport takes a packet of up to MAX_PACKET_BYTES (room for a 1 MB message) so
that an oversized event still reaches its handler and is answered like any other bad input
(`message_too_long`, `too_large`) on a connection that stays open; only a packet over that
hard cap is cut off by Engine.IO (the connection is closed, and the client reconnects).
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from collections.abc import Iterable
from typing import Any

from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI
from flask import Flask, request
from flask_socketio import SocketIO, emit, join_room

from bot.hub.history import for_widget, history, talking_to
from bot.hub.limits import RateLimited
from bot.hub.router import BadMessage, ConversationRouter
from bot.hub.store import Conversation, Message, db, get_row

logger = logging.getLogger(__name__)

MAX_EVENT_BYTES = 64 * 1024  # an event's fields besides the message: far more than any real event needs
# Engine.IO's hard cap on one packet (one polling POST, one websocket message): a 1 MB message
# and its envelope still arrive, so the customer is told what is wrong instead of being cut off.
MAX_PACKET_BYTES = 1024 * 1024 + MAX_EVENT_BYTES
TOO_LARGE_NOTICE = "That was too much to send in one message. Please shorten it or send it in parts."
RATE_LIMITED_NOTICE = "You're sending messages faster than I can read them. Please wait {seconds} s and try again."
NO_SESSION = "Send session_request first."


class CustomerSockets:
    """Socket.IO handlers for customers' browsers; one per app."""

    def __init__(self, app: Flask, router: ConversationRouter, allowed_origins: Iterable[str]) -> None:
        self.router = router
        self.allowed_origins = tuple(o.rstrip("/") for o in allowed_origins)
        self.socketio = SocketIO(
            app,
            async_mode="threading",
            cors_allowed_origins=list(self.allowed_origins),
            max_http_buffer_size=MAX_PACKET_BYTES,
            # the scale profile: several hubs share emits through Redis (bot/scale.py)
            message_queue=app.config.get("WAYFINDER_MESSAGE_QUEUE"),
            channel=app.config.get("WAYFINDER_MESSAGE_CHANNEL", "flask-socketio"),
            manage_session=False,
            logger=False,
            engineio_logger=False,
        )
        _cap_websocket_messages(self.socketio.server.eio, MAX_PACKET_BYTES)
        self._bound: dict[str, str] = {}  # socket id → conversation id
        self._lock = threading.Lock()
        for event, handler in (
            ("connect", self.connect),
            ("disconnect", self.disconnect),
            ("session_request", self.session_request),
            ("user_uttered", self.user_uttered),
            ("page_view", self.page_view),
            ("history_request", self.history_request),
            ("back_to_assistant", self.back_to_assistant),
        ):
            self.socketio.on_event(event, handler)
        router.listeners.append(self.publish)

    # -- connection --------------------------------------------------------------------

    def connect(self, auth: Any = None) -> bool:
        """Refuse pages from origins not in WAYFINDER_ALLOWED_ORIGINS (browsers always send Origin)."""
        origin = request.headers.get("Origin")
        if origin is not None and origin.rstrip("/") not in self.allowed_origins:
            logger.warning("socket refused for origin %s", origin[:100])
            return False
        return True

    def disconnect(self, *args: Any) -> None:
        with self._lock:
            self._bound.pop(request.sid, None)

    def session_request(self, data: Any = None) -> dict[str, Any]:
        candidate = data.get("session_id") if isinstance(data, dict) else None
        return {"ok": True, "session_id": self._bind(candidate).id}

    # -- customer events ---------------------------------------------------------------

    def user_uttered(self, data: Any = None) -> dict[str, Any]:
        if not isinstance(data, dict):
            return self._refuse("invalid_message", "send {message, session_id}")
        if _too_large({k: v for k, v in data.items() if k != "message"}):  # the message's own limit is the router's
            return self._refuse("too_large", TOO_LARGE_NOTICE)
        conversation = self._conversation() or self._bind(data.get("session_id"))
        metadata = data.get("metadata") if data.get("metadata") is not None else data.get("customData")
        try:
            reply = self.router.customer_message(conversation, data.get("message"), metadata, data.get("client_id"))
        except RateLimited as exc:
            return self._refuse("rate_limited", RATE_LIMITED_NOTICE.format(seconds=exc.retry_after),
                                retry_after=exc.retry_after)
        except BadMessage as exc:
            db.session.rollback()
            return self._refuse(exc.code, str(exc))
        return {"ok": True, "message": for_widget(reply.customer) if reply.customer else None}

    def page_view(self, data: Any = None) -> dict[str, Any]:
        conversation = self._conversation()
        if conversation is None:
            return {"ok": False, "error": "no_session", "message": NO_SESSION}
        if not isinstance(data, dict):
            return {"ok": False, "error": "invalid_page", "message": "send {page, error_code}"}
        if _too_large(data):
            return {"ok": False, "error": "too_large", "message": TOO_LARGE_NOTICE}
        try:
            reply = self.router.page_view(conversation, data.get("page"), data.get("error_code"))
        except RateLimited as exc:
            return {"ok": False, "error": "rate_limited", "retry_after": exc.retry_after}
        except BadMessage as exc:
            db.session.rollback()
            return {"ok": False, "error": exc.code, "message": str(exc)}
        return {"ok": True, "answered": len(reply.stored)}

    def history_request(self, data: Any = None) -> dict[str, Any]:
        conversation = self._conversation()
        if conversation is None:
            return {"ok": False, "error": "no_session", "message": NO_SESSION}
        return {"ok": True, "session_id": conversation.id, "talking_to": talking_to(conversation),
                "messages": history(conversation)}

    def back_to_assistant(self, data: Any = None) -> dict[str, Any]:
        """The customer leaves the advisers' queue (or the adviser) and talks to the assistant again."""
        conversation = self._conversation()
        if conversation is None:
            return {"ok": False, "error": "no_session", "message": NO_SESSION}
        from bot.console.desk import customer_returns  # the console is part of every hub app

        handover = customer_returns(conversation)
        return {"ok": True, "returned": handover is not None, "talking_to": talking_to(conversation)}

    # -- to the browser ------------------------------------------------------------------

    def publish(self, conversation: Conversation, message: Message) -> None:
        """Send a stored bot, adviser or system message to every socket of its conversation."""
        if message.sender in ("bot", "adviser", "system"):
            self.socketio.emit("bot_uttered", for_widget(message), to=conversation.id)
            if message.sender == "adviser":
                self.socketio.emit("talking_to", talking_to(conversation), to=conversation.id)

    def tell_talking_to(self, conversation: Conversation) -> None:
        """After a handover or hand-back: tell the customer's widget who answers now."""
        self.socketio.emit("talking_to", talking_to(conversation), to=conversation.id)

    # -- helpers -------------------------------------------------------------------------

    def _bind(self, candidate: Any) -> Conversation:
        """Resume the conversation the hub issued `candidate` for, or start one; tie it to this socket."""
        conversation = self.router.resume_or_start(candidate if isinstance(candidate, str) else None, channel="socket")
        with self._lock:
            self._bound[request.sid] = conversation.id
        join_room(conversation.id)
        emit("session_confirm", {"session_id": conversation.id})
        emit("talking_to", talking_to(conversation))
        return conversation

    def _conversation(self) -> Conversation | None:
        with self._lock:
            conversation_id = self._bound.get(request.sid)
        return get_row(Conversation, conversation_id) if conversation_id else None

    def _refuse(self, code: str, text: str, **extra: Any) -> dict[str, Any]:
        """Tell the customer why (a notice any Rasa widget shows) and acknowledge with the reason."""
        emit("bot_uttered", {"text": text, "sender": "system", "custom": {"notice": code, **extra}})
        return {"ok": False, "error": code, "message": text, **extra}


def _too_large(data: Any) -> bool:
    """Whether an event's data (JSON from the transport) is over MAX_EVENT_BYTES as JSON."""
    return len(json.dumps(data, ensure_ascii=False, default=str).encode()) > MAX_EVENT_BYTES


def _cap_websocket_messages(eio: Any, limit: int) -> None:
    """Make `limit` a hard cap on a websocket message as it arrives, as it is for a polling POST.

    python-engineio (threading mode) compares a websocket message with max_http_buffer_size only
    once it has all arrived, however big; simple-websocket can stop reading at the limit instead
    (it closes the connection with code 1009, message too big). The driver table is the module's,
    so this server gets a copy of its own.
    """
    if eio._async.get("websocket") is SimpleWebSocketWSGI:
        eio._async = {**eio._async, "websocket": functools.partial(SimpleWebSocketWSGI, max_message_size=limit)}
