"""Fixtures for the adviser console: a hub app per test (fresh database, fake assistant), advisers, helpers."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.console.accounts import add_adviser
from tests.hub.conftest import FakeAssistant, make_app

HUB_TOKEN = "hub-token-for-tests"
PASSWORD = "correct horse battery"
FAST_HASH = "pbkdf2:sha256:1000"  # tests only: werkzeug's default (scrypt) is deliberately slow
ADVISERS = {"alice": ("Alice", "adviser"), "bob": ("Bob", "adviser"), "sue": ("Sue", "supervisor")}
SUMMARY = {
    "reason": "system_failure",
    "goal": "pay_council_tax",
    "goal_name": "Pay your council tax",
    "problem": "card_declined",
    "familiarity": "new",
    "step_id": "card",
    "step_reached": "Card details",
    "pages_visited": ["/council-tax/pay", "/council-tax/pay/card"],
    "error_codes": ["PAYMENT_SERVICE_DOWN"],
    "failure_details": "The payment service answered 503 twice.",
    "tried": ["retry_alone", "step_through"],
    "identity_verified": True,
    "customer_words": ["it keeps saying declined", "my card is 4111 1111 1111 1111"],
}


def console_app(tmp_path, assistant, **config):
    """The hub as `make run` builds it, with test settings: always open, a known hub token."""
    settings = {
        "WAYFINDER_HUB_TOKEN": HUB_TOKEN,
        "WAYFINDER_OPENING_HOURS": "always",
        "WAYFINDER_TIMEZONE": "Europe/London",
        "WAYFINDER_PASSWORD_METHOD": FAST_HASH,
        **config,
    }
    return make_app(tmp_path, assistant, **settings)


def add_advisers(app) -> None:
    with app.app_context():
        for username, (name, role) in ADVISERS.items():
            add_adviser(username, name, PASSWORD, role, method=FAST_HASH)


@pytest.fixture
def assistant():
    return FakeAssistant()


@pytest.fixture
def app(tmp_path, assistant):
    app = console_app(tmp_path, assistant)
    add_advisers(app)
    return app


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_from(html: str) -> str:
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert match, "the page carries no CSRF token"
    return match.group(1)


def csrf_token(client, path: str = "/console/login") -> str:
    return csrf_from(client.get(path).get_data(as_text=True))


def login(client, username: str, password: str = PASSWORD, **extra):
    token = csrf_token(client)
    return client.post("/console/login", data={"username": username, "password": password,
                                               "csrf_token": token}, **extra)


class Adviser:
    """A signed-in console (its own cookie jar) with helpers for forms and JSON calls."""

    def __init__(self, app, username: str) -> None:
        self.app = app
        self.username = username
        self.client = app.test_client()
        response = login(self.client, username)
        assert response.status_code == 302, response.get_data(as_text=True)
        self.csrf = csrf_from(self.client.get("/console/", follow_redirects=True).get_data(as_text=True))

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)

    def form(self, path: str, **data: Any):
        return self.client.post(path, data={"csrf_token": self.csrf, **data})

    def api(self, path: str, body: dict | None = None):
        return self.client.post(path, json=body if body is not None else {}, headers={"X-CSRFToken": self.csrf})

    def socket(self, **kwargs):
        return self.app.extensions["socketio"].test_client(
            self.app, namespace="/advisers", flask_test_client=self.client,
            auth={"csrf_token": self.csrf}, **kwargs,
        )


@pytest.fixture
def alice(app):
    return Adviser(app, "alice")


@pytest.fixture
def bob(app):
    return Adviser(app, "bob")


@pytest.fixture
def sue(app):
    return Adviser(app, "sue")


@pytest.fixture
def cara(app):
    """A content editor: reviews conversations and reads insights, takes no chats."""
    with app.app_context():
        add_adviser("cara", "Cara", PASSWORD, "content", method=FAST_HASH)
    return Adviser(app, "cara")


def start_conversation(client, text: str = "I can't pay my council tax") -> str:
    """A customer conversation through the REST front door; its id (also Rasa's sender id)."""
    answer = client.post("/webhooks/rest/webhook", json={"message": text})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()[0]["recipient_id"]


def hand_over(client, conversation: str, token: str | None = HUB_TOKEN, **changes: Any):
    body = {"conversation_id": conversation, **SUMMARY, **changes}
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/api/handovers", json=body, headers=headers)


@pytest.fixture
def waiting(app, client, alice) -> dict[str, Any]:
    """A customer handed over (alice is online, so the chat is queued): its ids."""
    conversation_id = start_conversation(client)
    answer = hand_over(client, conversation_id)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    return {"conversation_id": conversation_id, "handover_id": answer.get_json()["handover_id"]}


def events(socket_client, name: str, namespace: str | None = None) -> list:
    return [e["args"][0] for e in socket_client.get_received(namespace) if e["name"] == name]
