"""actions/hub_api.py: the action server's client for the hub — answers, 4xx, 5xx, timeouts, and the real hub."""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass, field

import pytest
from werkzeug.serving import make_server

from actions.hub_api import HandoverResult, HubApi, HubApiError
from tests.console.conftest import HUB_TOKEN, SUMMARY, Adviser, start_conversation
from tests.support.http_server import ScriptedServer, json_answer, slow_answer


def run(coroutine):
    """asyncio.run in a thread of its own: Playwright's sync API may hold a running loop in this one."""
    outcome: dict = {}

    def target():
        try:
            outcome["value"] = asyncio.run(coroutine)
        except BaseException as exc:  # noqa: BLE001  (handed back to the test's thread)
            outcome["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(60)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


QUEUED = {"handover_id": 3, "status": "waiting", "position": 2, "wait_minutes": 12, "advisers_online": 1,
          "opening_hours": "every day, at any time", "already_open": False}


def call(route, method="request_handover", timeout=5.0, **kwargs):
    with ScriptedServer({"/api/handovers": route, "/api/callbacks": route}) as server:
        async def go():
            api = HubApi(server.url, "secret-token", timeout=timeout)
            try:
                if method == "request_handover":
                    return await api.request_handover({"conversation_id": "c1", "reason": "stuck"})
                return await api.request_callback(**kwargs)
            finally:
                await api.close()

        return run(go()), server.requests


def test_a_queued_handover():
    result, requests = call(json_answer(201, QUEUED))
    assert result == HandoverResult(status="waiting", handover_id=3, position=2, wait_minutes=12, advisers_online=1,
                                    opening_hours="every day, at any time")
    assert result.queued and not result.callback_offered
    method, path, body = requests[0]
    assert (method, path) == ("POST", "/api/handovers")
    assert json.loads(body) == {"conversation_id": "c1", "reason": "stuck"}


def test_a_callback_offer():
    result, _ = call(json_answer(200, {"handover_id": 4, "status": "callback_offered", "why": "out_of_hours",
                                       "opening_hours": "Monday to Friday 08:00 to 18:00",
                                       "next_opening": "2024-01-22T08:00:00+00:00"}))
    assert result.callback_offered and result.why == "out_of_hours" and result.position is None


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (400, {"error": {"code": "invalid_handover", "message": "bad", "fields": {"reason": "required"}}},
         "invalid_handover"),
        (401, {"error": {"code": "unauthorised", "message": "token"}}, "unauthorised"),
        (404, {"error": {"code": "unknown_conversation", "message": "no"}}, "unknown_conversation"),
    ],
)
def test_4xx_is_a_rejection_with_the_hubs_reason(status, body, code):
    with pytest.raises(HubApiError) as raised:
        call(json_answer(status, body))
    assert raised.value.status == status and raised.value.code == code and raised.value.is_rejected
    if status == 400:
        assert raised.value.fields == {"reason": "required"}


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_is_an_error_that_is_not_a_rejection(status):
    with pytest.raises(HubApiError) as raised:
        call(json_answer(status, {"error": {"code": "internal", "message": "oops"}}))
    assert raised.value.status == status and not raised.value.is_rejected


def test_an_answer_without_json_is_an_error():
    with pytest.raises(HubApiError, match="without JSON"):
        call(lambda: (502, "<html>bad gateway</html>"))


def test_an_unknown_status_is_an_error():
    with pytest.raises(HubApiError, match="unknown status"):
        call(json_answer(200, {"status": "maybe"}))


def test_a_slow_hub_times_out():
    with pytest.raises(HubApiError) as raised:
        call(slow_answer(1.5, 201, QUEUED), timeout=0.3)
    assert raised.value.timed_out


def test_an_unreachable_hub_is_an_error():
    async def go():
        api = HubApi("http://127.0.0.1:9", "t", timeout=2)
        try:
            await api.request_handover({"conversation_id": "c", "reason": "stuck"})
        finally:
            await api.close()

    with pytest.raises(HubApiError, match="could not be reached"):
        run(go())


def test_a_callback_request():
    result, requests = call(json_answer(201, {"reference": "CB-00007", "contact": "phone",
                                              "preferred_time": "morning", "opening_hours": "x"}),
                            method="callback", name="Alex", phone="07700900123", preferred_time="morning")
    assert result.reference == "CB-00007" and result.contact == "phone"
    assert json.loads(requests[0][2]) == {"name": "Alex", "phone": "07700900123", "preferred_time": "morning"}


def test_from_env_needs_the_token(monkeypatch):
    monkeypatch.delenv("WAYFINDER_HUB_TOKEN", raising=False)
    with pytest.raises(HubApiError, match="WAYFINDER_HUB_TOKEN"):
        HubApi.from_env()


@dataclass
class ActionSummary:
    """Like actions/handover.py's HandoverSummary: a dataclass with as_dict()."""

    conversation_id: str
    reason: str
    customer_words: list = field(default_factory=list)

    def as_dict(self):
        return {"conversation_id": self.conversation_id, "reason": self.reason,
                "customer_words": self.customer_words}


def test_against_the_real_hub(app, client):
    """The client and `POST /api/handovers` agree: the summary the action builds is queued."""
    Adviser(app, "alice")
    conversation_id = start_conversation(client)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        async def go():
            api = HubApi(f"http://127.0.0.1:{server.server_port}", HUB_TOKEN, timeout=5)
            try:
                queued = await api.request(ActionSummary(conversation_id, "customer_request", ["a person please"]))
                again = await api.request_handover({**SUMMARY, "conversation_id": conversation_id})
                with pytest.raises(HubApiError) as bad:
                    await api.request_handover({"conversation_id": conversation_id, "reason": "bored"})
                ticket = await api.request_callback(name="Alex", email="alex@example.com",
                                                    conversation_id=conversation_id)
                return queued, again, bad.value, ticket
            finally:
                await api.close()

        queued, again, bad, ticket = run(go())
    finally:
        server.shutdown()
    assert queued.status == "waiting" and queued.position == 1 and queued.wait_minutes == 1  # the adviser is free
    assert again.already_open and again.handover_id == queued.handover_id
    assert bad.status == 400 and "reason" in bad.fields
    assert ticket.reference.startswith("CB-") and ticket.contact == "email"


def test_a_long_summary_is_trimmed_before_sending():
    from actions.hub_api import summary_payload

    payload = summary_payload({"conversation_id": "c", "reason": "stuck", "customer_words": [str(n) for n in range(99)],
                               "pages_visited": ["/p"] * 99, "error_codes": [f"E{n}" for n in range(99)]})
    assert payload["customer_words"] == [str(n) for n in range(79, 99)]
    assert len(payload["pages_visited"]) == 50 and payload["error_codes"][0] == "E0" and len(payload["error_codes"]) == 20
