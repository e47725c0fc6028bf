"""Retention: delete conversations nobody has touched for a number of days, from the hub's store and
from Rasa's tracker store (`wayfinder purge`, `make purge`).

A conversation is old when neither it nor any of its messages changed within the period. In
the hub store it goes with everything that hangs off it (messages, handovers; callback tickets
keep their own record but lose the link). In the tracker store every event of a sender whose
newest event is older than the period is deleted. The counts are logged and returned.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import create_engine, inspect, text

import bot.hub.store  # noqa: F401  (its connect hook switches SQLite's foreign keys on, for the cascades)

logger = logging.getLogger("wayfinder.retention")


@dataclass
class Purged:
    conversations: int = 0
    messages: int = 0
    tracker_conversations: int = 0
    tracker_events: int = 0

    def describe(self, days: float) -> str:
        return (f"purged conversations idle for more than {days:g} days: {self.conversations} from the hub "
                f"store ({self.messages} messages), {self.tracker_conversations} from Rasa's tracker store "
                f"({self.tracker_events} events)")


def _hub_store(database_url: str, cutoff: datetime, purged: Purged) -> None:
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            if "conversations" not in inspect(connection).get_table_names():
                return
            old = ("SELECT c.id FROM conversations c WHERE c.updated_at < :cutoff AND c.created_at < :cutoff "
                   "AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id "
                   "AND m.created_at >= :cutoff)")
            ids = [row[0] for row in connection.execute(text(old), {"cutoff": cutoff})]
            for start in range(0, len(ids), 500):
                chunk = {f"id{n}": value for n, value in enumerate(ids[start:start + 500])}
                placeholders = ", ".join(f":{name}" for name in chunk)
                purged.messages += connection.execute(
                    text(f"DELETE FROM messages WHERE conversation_id IN ({placeholders})"), chunk).rowcount
                # handovers and anything else keyed on the conversation go by the foreign keys' cascades
                purged.conversations += connection.execute(
                    text(f"DELETE FROM conversations WHERE id IN ({placeholders})"), chunk).rowcount
    finally:
        engine.dispose()


def _tracker_store(tracker_url: str, cutoff: datetime, purged: Purged) -> None:
    if tracker_url.startswith("sqlite:///") and not Path(tracker_url[len("sqlite:///"):]).exists():
        return
    engine = create_engine(tracker_url)
    try:
        with engine.begin() as connection:
            if "events" not in inspect(connection).get_table_names():
                return
            senders = ("SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff")
            old = [row[0] for row in connection.execute(text(senders), {"cutoff": cutoff.timestamp()})]
            for start in range(0, len(old), 500):
                chunk = {f"s{n}": value for n, value in enumerate(old[start:start + 500])}
                placeholders = ", ".join(f":{name}" for name in chunk)
                purged.tracker_events += connection.execute(
                    text(f"DELETE FROM events WHERE sender_id IN ({placeholders})"), chunk).rowcount
            purged.tracker_conversations += len(old)
    finally:
        engine.dispose()


def purge(database_url: str, tracker_url: str | None, days: float, now: float | None = None) -> Purged:
    """Delete conversations idle for more than `days` from both stores (SQLAlchemy URLs); log and return the counts."""
    if days < 0:
        raise ValueError("the number of days cannot be negative")
    moment = datetime.fromtimestamp(time.time() if now is None else now, timezone.utc)
    cutoff = (moment - timedelta(days=days)).replace(tzinfo=None)  # the stores keep naive UTC
    purged = Purged()
    _hub_store(database_url, cutoff, purged)
    if tracker_url is not None:
        _tracker_store(tracker_url, cutoff.replace(tzinfo=timezone.utc), purged)
    logger.info(purged.describe(days))
    return purged
