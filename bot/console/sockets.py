"""The advisers' live queue: Socket.IO namespace `/advisers`, re-authorised on every event.

Connecting needs a signed-in console session (Flask-Login), the page's CSRF token in the
`auth` payload and, from a browser, the hub's own origin. Every event then loads the adviser
again from the store, so a session that was signed out or went idle stops working at once.

Events from the console: `queue`, `heartbeat` (presence), `follow` / `unfollow
{handover_id}`, `claim {handover_id}`, `reply {handover_id, text}`; each answers
`{"ok": true, ...}` or `{"ok": false, "error": code, "message": text}`.
Events to the console: `handover_waiting`, `handover_changed`, `callback_requested` (room
of all advisers) and `chat_message {handover_id, message}` (room of one handover's followers).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, request
from flask_login import current_user
from flask_socketio import SocketIO, disconnect, join_room, leave_room
from flask_wtf.csrf import ValidationError, validate_csrf

from bot.config import origin
from bot.console import desk
from bot.console.models import OPEN_STATUSES, Handover
from bot.console.present import queue_item, summary, transcript, transcript_entry
from bot.console.sessions import ENDED, advisers_online, current_session_hash, touch
from bot.console.settings import setting
from bot.hub.router import ConversationRouter
from bot.hub.store import Conversation, Message, db

logger = logging.getLogger(__name__)

NAMESPACE = "/advisers"
ALL_ADVISERS = "advisers"


def handover_room(handover_id: int) -> str:
    return f"handover:{handover_id}"


class ConsoleSockets:
    """Socket.IO handlers for advisers' consoles; one per app, on the hub's SocketIO server."""

    def __init__(self, app: Flask, socketio: SocketIO, router: ConversationRouter) -> None:
        self.socketio = socketio
        self._lock = threading.Lock()
        self._sockets: dict[str, tuple[int, str | None, bool]] = {}  # sid → (adviser, session, supervisor)
        self._following: dict[int, set[str]] = {}  # handover id → sids in its room
        socketio.on_event("connect", self.connect, namespace=NAMESPACE)
        socketio.on_event("disconnect", self.disconnect, namespace=NAMESPACE)
        for event, handler, active in (
            ("queue", self.queue, False),
            ("heartbeat", self.heartbeat, False),
            ("follow", self.follow, True),
            ("unfollow", self.unfollow, False),
            ("claim", self.claim, True),
            ("reply", self.reply, True),
        ):
            socketio.on_event(event, self._authorised(handler, active), namespace=NAMESPACE)
        router.listeners.append(self.publish)

    # -- connection ------------------------------------------------------------------------

    def connect(self, auth: Any = None) -> bool:
        if not current_user.is_authenticated or current_user.is_content:
            return False  # content editors do not take chats: no live queue for them
        sent_origin = request.headers.get("Origin")
        own = {request.host_url.rstrip("/"), origin(setting(current_app, "WAYFINDER_HUB_URL") or "")}
        if sent_origin is not None and sent_origin.rstrip("/") not in own:
            logger.warning("adviser socket refused for origin %s", sent_origin[:100])
            return False
        try:
            validate_csrf(auth.get("csrf_token") if isinstance(auth, dict) else None)
        except ValidationError:
            logger.warning("adviser socket refused: no valid CSRF token (adviser %s)", current_user.id)
            return False
        with self._lock:
            self._sockets[request.sid] = (current_user.id, current_session_hash(), current_user.is_supervisor)
        join_room(ALL_ADVISERS)
        touch(active=False)
        return True

    def disconnect(self, *args: Any) -> None:
        with self._lock:
            self._sockets.pop(request.sid, None)
            for sids in self._following.values():
                sids.discard(request.sid)

    def _authorised(self, handler: Callable, active: bool) -> Callable:
        """Wrap an event: load the adviser afresh, refuse (and disconnect) a session that has ended."""

        def event(*args: Any) -> dict[str, Any]:
            if not current_user.is_authenticated:
                self.disconnect()
                disconnect()
                return {"ok": False, "error": "signed_out", "message": ENDED}
            touch(active=active)
            data = args[0] if args and isinstance(args[0], dict) else {}
            try:
                return handler(current_user._get_current_object(), data)
            except desk.DeskError as exc:
                db.session.rollback()
                return {"ok": False, "error": exc.code, "message": exc.message}

        event.__name__ = handler.__name__
        return event

    # -- events from the console -------------------------------------------------------------

    def queue(self, adviser, data: dict) -> dict[str, Any]:
        items = [queue_item(h, desk.position(h)) for h in desk.visible(adviser)]
        return {"ok": True, "handovers": items, "advisers_online": advisers_online()}

    def heartbeat(self, adviser, data: dict) -> dict[str, Any]:
        return {"ok": True}

    def follow(self, adviser, data: dict) -> dict[str, Any]:
        handover = desk.get_for(adviser, _handover_id(data))
        join_room(handover_room(handover.id))
        with self._lock:
            self._following.setdefault(handover.id, set()).add(request.sid)
        return {"ok": True, "handover": summary(handover), "transcript": transcript(handover)}

    def unfollow(self, adviser, data: dict) -> dict[str, Any]:
        handover_id = _handover_id(data)
        leave_room(handover_room(handover_id))
        with self._lock:
            self._following.get(handover_id, set()).discard(request.sid)
        return {"ok": True}

    def claim(self, adviser, data: dict) -> dict[str, Any]:
        handover = desk.claim(adviser, _handover_id(data))
        return {"ok": True, "handover": queue_item(handover, 0)}

    def reply(self, adviser, data: dict) -> dict[str, Any]:
        return {"ok": True, **desk.reply(adviser, _handover_id(data), data.get("text"))}

    # -- to the consoles ---------------------------------------------------------------------

    def handover_waiting(self, item: dict[str, Any]) -> None:
        """A new customer in the queue: every console shows it (with a sound and the tab title)."""
        self.socketio.emit("handover_waiting", item, to=ALL_ADVISERS, namespace=NAMESPACE)

    def handover_changed(self, item: dict[str, Any]) -> None:
        """Claimed, reassigned or closed: update every queue; followers who may no longer see it leave."""
        self._prune(item["id"], item.get("status"), item.get("claimed_by_id"))
        self.socketio.emit("handover_changed", item, to=ALL_ADVISERS, namespace=NAMESPACE)

    def callback_requested(self, ticket_id: int) -> None:
        self.socketio.emit("callback_requested", {"id": ticket_id}, to=ALL_ADVISERS, namespace=NAMESPACE)

    def publish(self, conversation: Conversation, message: Message) -> None:
        """Router listener: a message in a handed-over conversation goes live to its followers."""
        if conversation.handled_by == "bot":
            return
        handover = Handover.query.filter(Handover.conversation_id == conversation.id,
                                         Handover.status.in_(OPEN_STATUSES)).first()
        if handover is None:
            return
        payload = {"handover_id": handover.id, "message": transcript_entry(message)}
        self.socketio.emit("chat_message", payload, to=handover_room(handover.id), namespace=NAMESPACE)

    def forget_handover(self, handover_id: int) -> None:
        with self._lock:
            self._following.pop(handover_id, None)
        self.socketio.close_room(handover_room(handover_id), namespace=NAMESPACE)

    def drop_session(self, session_hash: str | None) -> None:
        """Signed out: disconnect that session's sockets in this process (others fail their next event)."""
        if not session_hash:
            return
        with self._lock:
            sids = [sid for sid, (_, digest, _) in self._sockets.items() if digest == session_hash]
        for sid in sids:
            self.socketio.server.disconnect(sid, namespace=NAMESPACE)

    def _prune(self, handover_id: int, status: str | None, claimed_by: int | None) -> None:
        if status == "waiting":
            return
        with self._lock:
            followers = set(self._following.get(handover_id, set()))
            leaving = [sid for sid in followers
                       if sid in self._sockets and not self._sockets[sid][2] and self._sockets[sid][0] != claimed_by]
            self._following.get(handover_id, set()).difference_update(leaving)
        for sid in leaving:
            self.socketio.server.leave_room(sid, handover_room(handover_id), namespace=NAMESPACE)


def _handover_id(data: dict) -> int:
    try:
        return int(data.get("handover_id"))
    except (TypeError, ValueError):
        raise desk.DeskError(400, "invalid_handover_id", "send {handover_id: <number>}") from None
