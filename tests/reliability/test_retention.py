"""Issue 8 (10): conversations older than the retention period are deleted, from the hub store and
from Rasa's tracker store, by `wayfinder purge` (what `make purge` runs), with the counts logged.

The stores are real: the hub's SQLite store built by the hub itself, and Rasa's own
SQLTrackerStore writing its `events` table; the command runs as a user would run it.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.hub.store import Conversation, Message, db
from tests.console.conftest import console_app, hand_over
from tests.hub.conftest import FakeAssistant

DAY = 24 * 3600


def _naive(seconds_ago: float) -> datetime:
    return (datetime.now(timezone.utc) - timedelta(seconds=seconds_ago)).replace(tzinfo=None)


@pytest.fixture
def stores(tmp_path):
    """A hub store and a tracker store, each with an old, a recent and an old-but-recently-active conversation."""
    app = console_app(tmp_path, FakeAssistant())
    client = app.test_client()
    ids = {}
    for name in ("old", "recent", "revived"):
        answer = client.post("/webhooks/rest/webhook", json={"message": f"I am the {name} one"})
        ids[name] = answer.get_json()[0]["recipient_id"]
    assert hand_over(client, ids["old"]).status_code in (200, 201)  # a handover hangs off it too
    with app.app_context():
        for name, created, last_message in (("old", 60, 45), ("recent", 60, 1), ("revived", 60, 60)):
            conversation = db.session.get(Conversation, ids[name])
            for message in conversation.messages:
                message.created_at = _naive(last_message * DAY)
            db.session.flush()
            conversation.created_at = conversation.updated_at = _naive(created * DAY)
        db.session.commit()
        revived = db.session.get(Conversation, ids["revived"])
        db.session.add(Message(conversation=revived, sender="customer", text="back again", data={}))
        db.session.commit()
        db.session.execute(text("UPDATE conversations SET updated_at = :at WHERE id = :id"),
                           {"at": _naive(60 * DAY), "id": ids["revived"]})
        db.session.commit()

    tracker_db = tmp_path / "tracker.db"
    _write_trackers(tracker_db, {"tracker-old": 45, "tracker-recent": 1, ids["old"]: 45, ids["recent"]: 1})
    return {"url": app.config["SQLALCHEMY_DATABASE_URI"], "tracker": tracker_db, "ids": ids, "tmp": tmp_path}


def _write_trackers(path: Path, senders: dict[str, float]) -> None:
    """Conversations in Rasa's SQL tracker store, their last event `days` ago."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))
    for sender, days in senders.items():
        at = time.time() - days * DAY
        events = [ActionExecuted("action_listen", timestamp=at - 60),
                  UserUttered("my card is [card number removed]", timestamp=at - 30),
                  ActionExecuted("action_listen", timestamp=at)]
        tracker = DialogueStateTracker.from_events(sender, events)
        # in a thread of its own: Playwright's loop may be running in this one (browser tests before)
        saving = threading.Thread(target=asyncio.run, args=(store.save(tracker),))
        saving.start()
        saving.join()
    assert len(_rows(f"sqlite:///{path}", "SELECT DISTINCT sender_id FROM events")) == len(senders)


def _rows(url: str, sql: str) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(r) for r in connection.execute(text(sql))]
    finally:
        engine.dispose()


def purge(stores, *args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("WAYFINDER_")}
    environ.update(WAYFINDER_DATABASE_URL=stores["url"], WAYFINDER_TRACKER_DB=str(stores["tracker"]),
                   WAYFINDER_DATA_DIR=str(stores["tmp"]), **env)
    wayfinder = str(Path(sys.executable).with_name("wayfinder"))
    return subprocess.run([wayfinder, "purge", *args], env=environ, capture_output=True, text=True, timeout=120,
                          check=False)


def test_purge_deletes_old_conversations_from_both_stores_and_logs_the_counts(stores):
    done = purge(stores, "--older-than-days", "30")
    assert done.returncode == 0, done.stderr
    ids = stores["ids"]
    left = {row[0] for row in _rows(stores["url"], "SELECT id FROM conversations")}
    assert left == {ids["recent"], ids["revived"]}
    assert _rows(stores["url"], f"SELECT COUNT(*) FROM messages WHERE conversation_id = '{ids['old']}'") == [(0,)]
    assert _rows(stores["url"], f"SELECT COUNT(*) FROM handovers WHERE conversation_id = '{ids['old']}'") == [(0,)]
    tracker_url = f"sqlite:///{stores['tracker']}"
    senders = {row[0] for row in _rows(tracker_url, "SELECT DISTINCT sender_id FROM events")}
    assert senders == {"tracker-recent", ids["recent"]}
    report = done.stdout + done.stderr
    assert "1 from the hub store" in report and "2 from Rasa's tracker store (6 events)" in report
    assert "INFO wayfinder.retention" in done.stderr  # logged, not only printed


def test_the_default_period_comes_from_the_setting(stores):
    done = purge(stores, WAYFINDER_RETENTION_DAYS="90")
    assert done.returncode == 0, done.stderr
    assert "0 from the hub store" in done.stdout
    assert len(_rows(stores["url"], "SELECT id FROM conversations")) == 3
    done = purge(stores, WAYFINDER_RETENTION_DAYS="10")
    assert "1 from the hub store" in done.stdout


@pytest.mark.parametrize(("args", "env"), [(["--older-than-days", "-1"], {}),
                                           (["--older-than-days", "soon"], {}),
                                           ([], {"WAYFINDER_RETENTION_DAYS": "a while"})])
def test_a_bad_period_is_a_clear_error_and_deletes_nothing(stores, args, env):
    done = purge(stores, *args, **env)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr and ("days" in done.stderr or "invalid float" in done.stderr)
    assert len(_rows(stores["url"], "SELECT id FROM conversations")) == 3
