"""bot/rasa_channel.py's tracker store: the tracker handed to the hub's channel, and a conversation that
goes on after Rasa's circuit breaker stopped a turn (found by `make soak`: it never answered again)."""

from __future__ import annotations

import asyncio

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_channel import _TURN, HubTrackerStore, actions_since_listening

OPENING = [ActionExecuted("action_session_start"), ActionExecuted("action_listen"), UserUttered("hi")]


def save_and_read(tmp_path, events, sender="c1"):
    store = HubTrackerStore(domain=Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db"))
    turn = {"sender": sender}

    async def run():
        token = _TURN.set(turn)
        try:
            await store.save(DialogueStateTracker.from_events(sender, events))
        finally:
            _TURN.reset(token)
        return await store.retrieve(sender)

    return asyncio.run(run()), turn


def test_a_turn_the_circuit_breaker_stopped_is_closed_with_listening(tmp_path):
    failing = [ActionExecuted("action_handle_fallback")] * 10
    assert actions_since_listening(DialogueStateTracker.from_events("c1", OPENING + failing)) == 10
    saved, turn = save_and_read(tmp_path, OPENING + failing)
    assert saved.events[-1] == ActionExecuted("action_listen")
    assert actions_since_listening(saved) == 0  # the next message is predicted for normally
    assert turn["circuit_broken"] is True


def test_a_normal_turn_is_saved_as_it_is_and_handed_to_the_channel(tmp_path):
    events = OPENING + [ActionExecuted("utter_greet"), ActionExecuted("action_listen")]
    saved, turn = save_and_read(tmp_path, events)
    assert [e.action_name for e in saved.events if isinstance(e, ActionExecuted)] == [
        "action_session_start", "action_listen", "utter_greet", "action_listen"]
    assert turn["circuit_broken"] is False
    assert turn["tracker"]["sender_id"] == "c1" and turn["tracker"]["latest_message"]["text"] == "hi"


def test_turns_read_from_the_store_save_each_new_event_once_without_counting_again(tmp_path, monkeypatch):
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import SessionStarted, SlotSet

    store = HubTrackerStore(domain=Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db"))
    counted = []
    original = SQLTrackerStore._additional_events
    monkeypatch.setattr(SQLTrackerStore, "_additional_events",
                        lambda self, session, tracker: counted.append(tracker.sender_id) or original(self, session, tracker))

    async def conversation():
        await store.save(DialogueStateTracker.from_events("c1", OPENING))  # new: counted as Rasa does
        for turn in range(3):
            tracker = await store.retrieve("c1")
            tracker.update(ActionExecuted(f"utter_{turn}"))
            await store.save(tracker)
            tracker.update(ActionExecuted("action_listen"))  # saved twice in one turn: only what follows
            await store.save(tracker)
        tracker = await store.retrieve("c1")  # a new session in the same conversation
        for event in (ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
                      UserUttered("again")):
            tracker.update(event)
        await store.save(tracker)
        return await store.retrieve("c1"), await store.retrieve_full_tracker("c1")

    latest, full = asyncio.run(conversation())
    assert counted == ["c1"]  # only the tracker the store had not read
    names = [e.action_name for e in full.events if isinstance(e, ActionExecuted)]
    assert names == ["action_session_start", "action_listen", "utter_0", "action_listen", "utter_1", "action_listen",
                     "utter_2", "action_listen", "action_session_start", "action_listen"]
    assert [e.text for e in full.events if isinstance(e, UserUttered)] == ["hi", "again"]
    assert isinstance(latest.events[0], SessionStarted) and latest.latest_message.text == "again"
    assert not [e for e in full.events if isinstance(e, SlotSet)]


def test_a_sqlite_tracker_file_is_opened_once_in_wal_mode_and_keeps_every_event(tmp_path):
    import sqlite3

    import sqlalchemy as sa

    store = HubTrackerStore(domain=Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db"))
    opened = []
    sa.event.listen(store.engine, "connect", lambda *_: opened.append(1))

    async def conversation():
        await store.save(DialogueStateTracker.from_events("c1", OPENING))
        for n in range(5):  # a turn: read, add the message and the answer, save
            tracker = await store.retrieve("c1")
            tracker.update(UserUttered(f"message {n}"))
            tracker.update(ActionExecuted("action_listen"))
            await store.save(tracker)
        return await store.retrieve("c1")

    tracker = asyncio.run(conversation())
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == ["hi"] + [f"message {n}" for n in range(5)]
    assert len(opened) == 1  # Rasa's default opened and closed the file for each of the 12 reads and saves
    with sqlite3.connect(tmp_path / "tracker.db") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
