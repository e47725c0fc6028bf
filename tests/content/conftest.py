"""Fixtures for the content review and insights: the hub with an assistant that also answers
Rasa's tracker and domain calls, scripted per customer message."""

from __future__ import annotations

from typing import Any

import pytest

from bot.hub.store import Conversation, db
from tests.console.conftest import (  # noqa: F401  (the console's fixtures, with this suite's assistant)
    HUB_TOKEN,
    alice,
    app,
    cara,
    client,
    hand_over,
)
from tests.hub.conftest import FakeAssistant

INTENTS = ["greet", "state_goal", "report_problem", "stuck", "request_human", "affirm", "deny", "nlu_fallback",
           "request_do_it_for_me", "step_done", "EXTERNAL_page_changed"]


class TrackingAssistant(FakeAssistant):
    """Like Rasa: each message is understood as scripted (intent, confidence, entities, slots), and the
    tracker (`include_events=NONE` or `ALL`) and the domain can be read back over 'HTTP'."""

    def __init__(self) -> None:
        super().__init__()
        self.script: dict[str, dict[str, Any]] = {}
        self.slots: dict[str, dict[str, Any]] = {}
        self.latest: dict[str, dict[str, Any]] = {}
        self.events: dict[str, list[dict[str, Any]]] = {}
        self.tracker_calls: list[tuple[str, str]] = []

    def understand(self, text: str, intent: str, confidence: float = 0.95,
                   entities: list[dict[str, Any]] | None = None, **slots: Any) -> None:
        self.script[text] = {"intent": intent, "confidence": confidence, "entities": entities or [],
                             "slots": slots}

    def send(self, sender: str, text: str, metadata: dict[str, Any] | None = None):
        answers = super().send(sender, text, metadata)
        meant = self.script.get(text, {"intent": "greet", "confidence": 0.9, "entities": [], "slots": {}})
        parse = {"text": text, "intent": {"name": meant["intent"], "confidence": meant["confidence"]},
                 "entities": meant["entities"]}
        self.latest[sender] = parse
        self.slots.setdefault(sender, {}).update(meant["slots"])
        events = self.events.setdefault(sender, [{"event": "action", "name": "action_session_start"},
                                                 {"event": "session_started"},
                                                 {"event": "action", "name": "action_listen"}])
        events.append({"event": "user", "text": text, "parse_data": parse})
        for name, value in meant["slots"].items():
            events.append({"event": "slot", "name": name, "value": value})
        events += [{"event": "action", "name": f"utter_{meant['intent']}"},
                   {"event": "bot", "text": "ok"}, {"event": "action", "name": "action_listen"}]
        return answers

    def tracker(self, sender: str, include_events: str = "NONE") -> dict[str, Any]:
        self.tracker_calls.append((sender, include_events))
        body = {"sender_id": sender, "slots": dict(self.slots.get(sender, {})),
                "latest_message": self.latest.get(sender, {})}
        if include_events != "NONE":
            body["events"] = list(self.events.get(sender, []))
        return body

    def domain(self) -> dict[str, Any]:
        return {"intents": INTENTS,
                "slots": {"service": {"type": "text", "influence_conversation": True},
                          "support_mode": {"type": "categorical", "influence_conversation": True},
                          "current_step": {"type": "text", "influence_conversation": False},
                          "account_reference": {"type": "text", "influence_conversation": False}}}


@pytest.fixture
def assistant():
    return TrackingAssistant()


class Customer:
    """One customer's conversation through the hub's REST front door (and its page views)."""

    def __init__(self, hub_app, http) -> None:
        self.app, self.client, self.id = hub_app, http, None

    def says(self, text: str) -> list[dict[str, Any]]:
        body = {"message": text, **({"sender": self.id} if self.id else {})}
        answer = self.client.post("/webhooks/rest/webhook", json=body)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        self.id = answer.get_json()[0]["recipient_id"]
        return answer.get_json()

    def views(self, page: str, error_code: str | None = None) -> None:
        with self.app.app_context():
            router = self.app.extensions["wayfinder.router"]
            router.page_view(db.session.get(Conversation, self.id), page, error_code)

    def rates(self, rating: Any, comment: str | None = None, conversation_id: str | None = None):
        body = {"rating": rating, **({"comment": comment} if comment is not None else {})}
        return self.client.post("/api/conversation/rating", json=body,
                                headers={"Authorization": f"Bearer {conversation_id or self.id}"})

    def handed_over(self, reason: str, **summary: Any) -> None:
        answer = hand_over(self.client, self.id, HUB_TOKEN, reason=reason, **summary)
        assert answer.status_code in (200, 201), answer.get_data(as_text=True)


@pytest.fixture
def customer(request):
    """customer() starts one more customer on this test's hub."""
    hub_app, http = request.getfixturevalue("app"), request.getfixturevalue("client")
    return lambda: Customer(hub_app, http)
