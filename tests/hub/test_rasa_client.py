"""The hub's Rasa client against a real HTTP server: answers, errors, timeouts, health."""

from __future__ import annotations

import json
import time

import pytest

from bot.hub.rasa_client import MAX_KEPT_CONNECTIONS, RasaClient, RasaUnavailable
from tests.support.http_server import ScriptedServer, json_answer, slow_answer

WEBHOOK = "/webhooks/hub/webhook"


def test_send_posts_rasas_rest_shape_and_returns_the_messages():
    with ScriptedServer({WEBHOOK: json_answer(200, [{"recipient_id": "c1", "text": "Hello"}])}) as server:
        replies = RasaClient(server.url, timeout=2).send("c1", "hi", {"page": "/bins/missed"})
        method, path, body = server.requests[0]
    assert replies == [{"recipient_id": "c1", "text": "Hello"}]
    assert method == "POST" and path == WEBHOOK
    assert b'"sender": "c1"' in body and b'"page": "/bins/missed"' in body


def test_the_hub_channels_answer_carries_the_tracker_after_the_turn():
    tracker = {"sender_id": "c1", "slots": {"service": "pay_council_tax"},
               "latest_message": {"intent": {"name": "state_goal", "confidence": 0.97}}}
    answer = {"messages": [{"recipient_id": "c1", "text": "Hello"}], "tracker": tracker}
    with ScriptedServer({WEBHOOK: json_answer(200, answer)}) as server:
        turn = RasaClient(server.url, timeout=2).converse("c1", "i want to pay my council tax")
    assert turn.messages == [{"recipient_id": "c1", "text": "Hello"}] and turn.tracker == tracker


def test_a_turn_rasas_circuit_breaker_stopped_without_an_answer_is_unavailable():
    answer = {"messages": [], "tracker": {"sender_id": "c1"}, "circuit_broken": True}
    with ScriptedServer({WEBHOOK: json_answer(200, answer)}) as server, \
            pytest.raises(RasaUnavailable, match="circuit breaker"):
        RasaClient(server.url, timeout=2).converse("c1", "what's the next step")


def test_a_trigger_returns_the_tracker_rasa_sent_with_it():
    path = "/conversations/c1/trigger_intent"
    answer = {"tracker": {"sender_id": "c1", "slots": {"current_step": "amount"}}, "messages": []}
    with ScriptedServer({path: json_answer(200, answer)}) as server:
        turn = RasaClient(server.url, timeout=2).trigger("c1", "EXTERNAL_page_changed", {})
    assert turn.tracker["slots"] == {"current_step": "amount"}


@pytest.mark.parametrize(
    "route, expected",
    [
        (json_answer(500, {"message": "boom"}), "answered 500"),
        (json_answer(400, {"message": "bad"}), "answered 400"),
        (lambda: (200, "not json"), "without JSON"),
        (json_answer(200, {"text": "not a list"}), "not a list"),
        (slow_answer(1.5, 200, []), "could not be reached"),
    ],
)
def test_failures_raise_rasa_unavailable(route, expected):
    with ScriptedServer({WEBHOOK: route}) as server, pytest.raises(RasaUnavailable, match=expected):
        RasaClient(server.url, timeout=0.5).send("c1", "hi")


def test_a_turn_rasa_did_not_answer_in_time_is_never_sent_again():
    """No retry: Rasa may have acted on the message (a payment, a handover) before it timed out."""
    with ScriptedServer({WEBHOOK: slow_answer(1.0, 200, [])}) as server:
        with pytest.raises(RasaUnavailable, match="could not be reached: ReadTimeoutError"):
            RasaClient(server.url, timeout=0.3).send("c1", "pay it")
        time.sleep(1.2)  # a retry would have arrived by now
    assert [path for _, path, _ in server.requests] == [WEBHOOK]


def test_health_uses_the_token_and_reports_each_part():
    routes = {"/status": json_answer(200, {"model_file": "x"}), "/health": json_answer(200, {"status": "ok"})}
    with ScriptedServer(routes) as server:
        health = RasaClient(server.url, token="t0ken", actions_url=server.url).health()
        paths = [p for _, p, _ in server.requests]
    assert health == {"rasa": {"ok": True, "status_code": 200}, "actions": {"ok": True, "status_code": 200}}
    assert "/status?token=t0ken" in paths


def test_health_when_nothing_listens():
    health = RasaClient("http://127.0.0.1:9", actions_url="http://127.0.0.1:9").health()
    assert health["rasa"]["ok"] is False and health["actions"]["ok"] is False


def test_trigger_intent_posts_the_external_event_with_the_token_and_returns_the_messages():
    path = "/conversations/abc.def/trigger_intent"
    answer = {"tracker": {"sender_id": "abc.def"}, "messages": [{"recipient_id": "abc.def", "text": "Next step"}]}
    with ScriptedServer({path: json_answer(200, answer)}) as server:
        replies = RasaClient(server.url, token="t0ken", timeout=2).trigger_intent(
            "abc.def", "EXTERNAL_page_changed", {"page": "/bins/missed/postcode"}
        )
        method, full_path, body = server.requests[0]
    assert replies == [{"recipient_id": "abc.def", "text": "Next step"}]
    assert method == "POST" and full_path == f"{path}?token=t0ken"
    assert json.loads(body) == {"name": "EXTERNAL_page_changed", "entities": {"page": "/bins/missed/postcode"}}


@pytest.mark.parametrize(
    "route, expected",
    [
        (json_answer(404, {"message": "no such intent"}), "answered 404"),
        (json_answer(500, {"message": "boom"}), "answered 500"),
        (json_answer(200, {"tracker": {}}), "without a list of messages"),
        (slow_answer(1.5, 200, {"messages": []}), "could not be reached"),
    ],
)
def test_trigger_intent_failures_raise_rasa_unavailable(route, expected):
    with ScriptedServer({"/conversations/c1/trigger_intent": route}) as server, \
            pytest.raises(RasaUnavailable, match=expected):
        RasaClient(server.url, timeout=0.5).trigger_intent("c1", "EXTERNAL_page_changed", {"page": "/"})


def test_turns_asking_at_once_keep_their_connections_for_the_next_turns():
    """The hub passes its threads as `connections`: a second wave of as many turns opens none."""
    from concurrent.futures import ThreadPoolExecutor

    answer = slow_answer(0.3, 200, {"messages": [{"recipient_id": "c", "text": "ok"}], "tracker": None})
    with ScriptedServer({WEBHOOK: answer}, keep_alive=True) as server:
        client = RasaClient(server.url, timeout=5, connections=100)
        with ThreadPoolExecutor(100) as turns:
            for _ in range(2):
                assert all(list(turns.map(lambda n: client.send(f"c{n}", "hi"), range(100))))
        assert len(server.requests) == 200
        assert server.connections == 100


@pytest.mark.parametrize("threads, kept", [("100", 100), ("1000", MAX_KEPT_CONNECTIONS)])
def test_the_hub_keeps_a_connection_to_rasa_for_each_of_its_threads_up_to_a_limit(tmp_path, monkeypatch,
                                                                                   threads, kept):
    from bot.hub import create_app

    monkeypatch.setenv("WAYFINDER_HUB_THREADS", threads)
    app = create_app({"SECRET_KEY": "test-secret", "TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'hub.db'}"})
    rasa = app.extensions["wayfinder.router"].assistant  # the recorder passes through to the client
    assert rasa.http.connection_pool_kw["maxsize"] == kept
