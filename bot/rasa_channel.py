"""Runs inside `rasa run`: the hub's channel, which answers a turn with what Rasa understood.

The hub records, for every customer message, the intent, confidence and entities Rasa found
and the slots after the turn (content review and insights, bot/content/recorder.py). Rasa's
REST channel answers with the bot's messages only, so the hub used to read the conversation's
tracker over Rasa's HTTP API after every turn: a second request per message that made Rasa
load the tracker from its store again (a quarter of the hub's waiting in `make bench`).

This channel (`/webhooks/hub/webhook`, registered in credentials.yml) takes the same request
as Rasa's REST channel and answers

    {"messages": [...the bot's messages...], "tracker": {...the tracker, without events...}}

The tracker is the one Rasa has just saved at the end of the turn: `HubTrackerStore` (Rasa's
SQL tracker store, configured in endpoints.yml) hands it to the request being answered through
a context variable - each request is one asyncio task, and Rasa saves the tracker within it.
With any other tracker store the answer has `"tracker": null` and the hub reads the tracker as
before. Unlike Rasa's REST channel, a turn that fails inside Rasa is a 500, not an empty 200,
so the hub tells the customer the assistant is unavailable rather than saying nothing.

Rasa's circuit breaker: when a turn predicts MAX_NUMBER_OF_PREDICTIONS (10) actions without
listening - e.g. custom actions failing one after another while the action server restarts -
Rasa stops the turn without `action_listen`. It counts the actions since the last
`action_listen`, so every later turn of that conversation trips the breaker at once and the
conversation never gets an answer again (found by `make soak`). `HubTrackerStore` therefore
adds the missing `action_listen` when it saves such a turn, and the answer says
`"circuit_broken": true`, so the hub tells the customer honestly that this turn failed; their
next message is handled normally.

Rasa's SQL tracker store counts, on every save, the events it already holds for the
conversation (a query with a sub-query for the latest session start) to know which of the
tracker's events are new. The tracker being saved was read from the store in the same turn,
under the conversation's lock, so that count is the number of rows read then: `HubTrackerStore`
keeps it on the tracker and saves the events after it without asking again (a tracker it did
not read - a new conversation, a copy - is counted as before). `make bench`'s profile had the
count at 4 % of Rasa's time.
"""

from __future__ import annotations

import inspect
import itertools
import json
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

import sqlalchemy as sa
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.processor import MAX_NUMBER_OF_PREDICTIONS
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.events import ActionExecuted
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.orm import sessionmaker

from bot.sqlite import kept_open, set_pragmas

logger = logging.getLogger(__name__)

# The turn being answered in this asyncio task: its sender, then the saved tracker's state.
_TURN: ContextVar[dict[str, Any] | None] = ContextVar("wayfinder_turn", default=None)
# On a tracker HubTrackerStore read: how many of its events are stored rows.
_STORED = "wayfinder_stored_events"


def actions_since_listening(tracker: DialogueStateTracker) -> int:
    """Actions run since the bot last listened: Rasa's circuit breaker trips at MAX_NUMBER_OF_PREDICTIONS."""
    count = 0
    for event in reversed(tracker.events):
        if isinstance(event, ActionExecuted):
            if event.action_name in (ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME):
                break
            count += 1
    return count


class HubTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store (same settings) that hands the saved tracker to the hub's channel and
    lets a conversation go on after Rasa's circuit breaker stopped a turn."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            self._keep_sqlite_open()

    def _keep_sqlite_open(self) -> None:
        """One connection kept open, in WAL mode (bot/sqlite.py), instead of Rasa's default for a SQLite
        file: SQLAlchemy 1.4 opens and closes the file for every read and every save (NullPool), and
        each commit waits for the disk twice, holding up every conversation Rasa's one event loop is
        answering meanwhile."""
        url = self.engine.url
        self.engine.dispose()
        # Rasa uses the store from its event loop's thread; more connections only if it ever is not
        self.engine = sa.create_engine(url, **kept_open(pool_size=1, max_overflow=8))
        sa.event.listen(self.engine, "connect", set_pragmas)
        self.sessionmaker = sessionmaker(bind=self.engine)

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        """Rasa's SQL retrieval, remembering how many of the conversation's rows were read; only the
        events' JSON is read (Rasa builds a full ORM object per event, a quarter of the retrieval)."""
        with self.session_scope() as session:
            rows = (self._event_query(session, sender_id, fetch_events_from_all_sessions=fetch_events_from_all_sessions)
                    .with_entities(self.SQLEvent.data).all())
            events = [json.loads(row.data) for row in rows]
        if not (self.domain and events):
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        if not fetch_events_from_all_sessions:  # Rasa counts the rows of the latest session when saving
            setattr(tracker, _STORED, len(rows))
        return tracker

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Any:
        """The tracker's events not yet stored: after the rows read in this turn, else counted as Rasa does."""
        stored = getattr(tracker, _STORED, None)
        if stored is None or stored > len(tracker.events):
            return super()._additional_events(session, tracker)
        return itertools.islice(tracker.events, stored, len(tracker.events))

    async def save(self, tracker: DialogueStateTracker) -> None:
        broken = actions_since_listening(tracker) >= MAX_NUMBER_OF_PREDICTIONS
        if broken:
            logger.warning("Rasa stopped the turn of %s without listening: listening now", tracker.sender_id[:8])
            tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
        await super().save(tracker)
        if getattr(tracker, _STORED, None) is not None:  # saved again later in the turn: only what follows
            setattr(tracker, _STORED, len(tracker.events))
        turn = _TURN.get()
        if turn is not None and turn.get("sender") == tracker.sender_id:
            turn["tracker"] = tracker.current_state(EventVerbosity.NONE)
            turn["circuit_broken"] = turn.get("circuit_broken", False) or broken


def _bad_request(reason: str) -> HTTPResponse:
    return response.json({"error": reason}, status=400)


class HubInput(InputChannel):
    """Rasa's REST request shape; the answer carries the tracker after the turn."""

    @classmethod
    def name(cls) -> str:
        return "hub"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        module = inspect.getmodule(self)
        hub_webhook = Blueprint("hub_webhook", module.__name__ if module else None)

        @hub_webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hub_webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                body = request.json
            except InvalidUsage:
                return _bad_request("the body is not JSON")
            if not isinstance(body, dict):
                return _bad_request("the body must be a JSON object")
            sender, text, metadata = body.get("sender"), body.get("message"), body.get("metadata")
            if not isinstance(sender, str) or not sender:
                return _bad_request("'sender' must be a non-empty string")
            if not isinstance(text, str):
                return _bad_request("'message' must be a string")
            if metadata is not None and not isinstance(metadata, dict):
                return _bad_request("'metadata' must be an object")
            collector = CollectingOutputChannel()
            turn: dict[str, Any] = {"sender": sender}
            token = _TURN.set(turn)
            try:
                await on_new_message(UserMessage(text, collector, sender, input_channel=self.name(),
                                                 metadata=metadata))
            except Exception:
                logger.exception("the turn of %s failed", sender[:8])
                return response.json({"error": "the assistant failed to answer this message"}, status=500)
            finally:
                _TURN.reset(token)
            return response.json({"messages": collector.messages, "tracker": turn.get("tracker"),
                                  "circuit_broken": turn.get("circuit_broken", False)})

        return hub_webhook
