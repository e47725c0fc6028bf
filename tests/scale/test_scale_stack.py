"""The scale profile on real servers: two hubs and two Rasa processes behind nginx, PostgreSQL and Redis.

The stack is started as `WAYFINDER_PROFILE=scale make run` starts it, on this module's own
ports (21000-21199) and its own PostgreSQL databases (created here and dropped after).
"""

from __future__ import annotations

import queue
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio

from bot.hub.router import ASSISTANT_UNAVAILABLE
from tests.support.postgres import fresh_database
from tests.support.stack import running_stack

pytestmark = pytest.mark.stack

PORTS = {"HUB": 21000, "PORTAL": 21001, "RASA": 21005, "ACTIONS": 21055}
HUB_A, HUB_B = "http://127.0.0.1:21100", "http://127.0.0.1:21101"  # the two hub processes, behind nginx
RASA_A, RASA_B = "http://127.0.0.1:21105", "http://127.0.0.1:21106"  # the two `rasa run`, behind nginx
ANSWER_SECONDS = 90  # a generous deadline for one answer from a busy two-core machine, not a speed target


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    data_dir: Path = tmp_path_factory.mktemp("scale")
    with fresh_database("wayfinder_scale_hub") as hub_db, fresh_database("wayfinder_scale_tracker") as tracker_db:
        env = {
            "WAYFINDER_PROFILE": "scale",
            "WAYFINDER_DATABASE_URL": hub_db,
            "WAYFINDER_TRACKER_DATABASE_URL": tracker_db,
            "WAYFINDER_REDIS_URL": "redis://127.0.0.1:6379/0",
            "WAYFINDER_HUB_PROCESSES": "2",
            "WAYFINDER_RASA_PROCESSES": "2",
            "WAYFINDER_OPENING_HOURS": "always",
            # ten messages at once must not be refused: this suite tests ordering, not the limit
            "WAYFINDER_RATE_LIMIT": "40/10seconds;200/minute",
            "WAYFINDER_RASA_TIMEOUT": "60",
        }
        with running_stack(PORTS, data_dir, env) as running:
            yield running


def say(hub: str, text: str, sender: str | None = None) -> list[dict[str, Any]]:
    body = {"message": text, **({"sender": sender} if sender else {})}
    response = requests.post(f"{hub}/webhooks/rest/webhook", json=body, timeout=ANSWER_SECONDS)
    assert response.status_code == 200, response.text
    replies = response.json()
    assert replies, f"no answer to {text!r}"
    assert all(ASSISTANT_UNAVAILABLE not in (r.get("text") or "") for r in replies), replies
    return replies


def history(hub: str, conversation_id: str) -> list[dict[str, Any]]:
    response = requests.get(f"{hub}/api/conversation/history",
                            headers={"Authorization": f"Bearer {conversation_id}"}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["messages"]


def tracker_turns(stack: dict, rasa: str, conversation_id: str) -> list[tuple[str, list[str]]]:
    """Rasa's tracker as (user text, [bot texts that followed it, up to the next user message])."""
    response = requests.get(f"{rasa}/conversations/{conversation_id}/tracker",
                            params={"token": stack["env"]["WAYFINDER_RASA_TOKEN"]}, timeout=10)
    assert response.status_code == 200, response.text
    turns: list[tuple[str, list[str]]] = []
    for event in response.json()["events"]:
        if event["event"] == "user":
            turns.append((event["text"], []))
        elif event["event"] == "bot" and turns:
            turns[-1][1].append(event.get("text"))
    return turns


def customer_turns(messages: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    """The hub's history as (customer text, [the bot's answers stored after it])."""
    turns: list[tuple[str, list[str]]] = []
    for message in messages:
        if message["sender"] == "customer":
            turns.append((message["text"], []))
        elif message["sender"] == "bot" and turns:
            turns[-1][1].append(message["text"])
    return turns


def test_one_conversation_alternating_between_the_hubs_loses_and_reorders_nothing(stack):
    texts = ["hello", "I want to pay my council tax", "it's my first time", "why do you need my account number?",
             "thank you", "goodbye"]
    conversation = say(HUB_A, texts[0])[0]["recipient_id"]
    answers = {texts[0]: None}
    for number, text in enumerate(texts[1:], start=1):
        replies = say((HUB_A, HUB_B)[number % 2], text, conversation)
        assert {r["recipient_id"] for r in replies} == {conversation}
        answers[text] = [r.get("text") for r in replies]

    for hub in (HUB_A, HUB_B, stack["hub"]):  # each hub, and nginx in front of them, shows the same
        turns = customer_turns(history(hub, conversation))
        assert [text for text, _ in turns] == texts
        assert all(bot for _, bot in turns), f"a message without an answer: {turns}"
        for text, bot in turns[1:]:
            assert bot == answers[text]
    for rasa in (RASA_A, RASA_B):  # both Rasa processes read the one tracker in PostgreSQL
        assert [text for text, _ in tracker_turns(stack, rasa, conversation)] == texts


def test_a_widget_on_hub_a_gets_the_reply_an_adviser_typed_on_hub_b(stack):
    received: queue.Queue = queue.Queue()
    widget = socketio.Client(reconnection=False)
    widget.on("bot_uttered", received.put)
    widget.connect(HUB_A, socketio_path="/socket.io", headers={"Origin": stack["portal"]}, wait_timeout=20)
    try:
        conversation = widget.call("session_request", {}, timeout=20)["session_id"]
        ack = widget.call("user_uttered", {"message": "hello", "session_id": conversation}, timeout=ANSWER_SECONDS)
        assert ack["ok"], ack

        adviser = requests.Session()  # the demo adviser, signed in on hub B only
        page = adviser.get(f"{HUB_B}/console/login", timeout=10).text
        csrf = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
        signed_in = adviser.post(f"{HUB_B}/console/login", timeout=10, allow_redirects=False, data={
            "username": "adviser", "password": stack["env"]["WAYFINDER_ADVISER_PASSWORD"], "csrf_token": csrf})
        assert signed_in.status_code == 302, signed_in.text
        csrf = adviser.get(f"{HUB_B}/console/", timeout=10).text.split('name="csrf-token" content="', 1)[1]
        csrf = csrf.split('"', 1)[0]

        handover = requests.post(f"{HUB_B}/api/handovers", timeout=10,
                                 headers={"Authorization": f"Bearer {stack['env']['WAYFINDER_HUB_TOKEN']}"},
                                 json={"conversation_id": conversation, "reason": "customer_request"})
        assert handover.status_code == 201, handover.text
        handover_id = handover.json()["handover_id"]
        headers = {"X-CSRFToken": csrf}
        claimed = adviser.post(f"{HUB_B}/console/api/handovers/{handover_id}/claim", json={}, headers=headers,
                               timeout=10)
        assert claimed.status_code == 200, claimed.text
        reply = "Hello, this is the adviser on hub B. How can I help?"
        sent = adviser.post(f"{HUB_B}/console/api/handovers/{handover_id}/reply", json={"text": reply},
                            headers=headers, timeout=10)
        assert sent.status_code == 201, sent.text

        from_adviser = []  # the claim's greeting, then the reply
        while reply not in from_adviser:  # the widget's messages until the adviser's reply (or the deadline)
            try:
                message = received.get(timeout=30)
            except queue.Empty:
                pytest.fail(f"the widget on hub A never received the reply typed on hub B; adviser: {from_adviser}")
            if message.get("sender") == "adviser":
                from_adviser.append(message["text"])
    finally:
        widget.disconnect()


def test_ten_messages_at_once_through_the_hubs_are_each_answered_in_turn(stack):
    conversation = say(HUB_A, "hello")[0]["recipient_id"]
    texts = [f"I want to pay my council tax, message {n}" for n in range(1, 11)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        futures = {text: pool.submit(say, (HUB_A, HUB_B)[n % 2], text, conversation) for n, text in enumerate(texts)}
        answers = {text: [r.get("text") for r in future.result()] for text, future in futures.items()}

    turns = customer_turns(history(HUB_B, conversation))
    assert sorted(text for text, _ in turns[1:]) == sorted(texts)  # all kept, once each
    for text, bot in turns[1:]:  # and each stored right before the answers it got
        assert bot == answers[text]
    rasa_turns = tracker_turns(stack, RASA_A, conversation)
    assert [text for text, _ in rasa_turns] == [text for text, _ in turns]  # Rasa took them in the same order


def test_ten_messages_at_once_straight_to_both_rasa_processes_are_processed_one_at_a_time(stack):
    """The scale profile's lock store (bot/rasa_lock.py): the two processes never work on one conversation
    at the same time. (Rasa Open Source's own RedisLockStore failed this now and then: RasaHQ/rasa#11256.)"""
    conversation = "scale-lock-store-test"
    texts = [f"I can't sign in, attempt {n}" for n in range(1, 11)]

    def direct(rasa: str, text: str) -> list[str]:
        response = requests.post(f"{rasa}/webhooks/rest/webhook", json={"sender": conversation, "message": text},
                                 timeout=ANSWER_SECONDS)
        assert response.status_code == 200, response.text
        return [r.get("text") for r in response.json()]

    with ThreadPoolExecutor(max_workers=10) as pool:
        futures = {text: pool.submit(direct, (RASA_A, RASA_B)[n % 2], text) for n, text in enumerate(texts)}
        answers = {text: future.result() for text, future in futures.items()}

    turns = tracker_turns(stack, RASA_B, conversation)
    assert sorted(text for text, _ in turns) == sorted(texts)  # every message once, none lost
    for text, bot in turns:  # each message's answers directly after it: no two were processed at once
        assert bot and bot == answers[text], (text, bot, answers[text])
