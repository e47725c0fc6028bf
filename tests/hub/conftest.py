"""Fixtures for the hub: a fresh database per test and a fake assistant passed in."""

from __future__ import annotations

from typing import Any

import pytest

from bot.hub import create_app
from bot.hub.rasa_client import RasaUnavailable


class FakeAssistant:
    """Records what it was sent and answers like Rasa's REST channel would."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.triggered: list[dict[str, Any]] = []
        self.fail = False
        self.healthy = True
        self.replies: list[dict[str, Any]] | None = None  # answer these instead of the echo
        self.trigger_replies: list[dict[str, Any]] = [{"text": "You're on the next page now."}]

    def send(self, sender: str, text: str, metadata: dict[str, Any] | None = None):
        if self.fail:
            raise RasaUnavailable("timed out")
        self.sent.append({"sender": sender, "text": text, "metadata": metadata})
        if self.replies is not None:
            return [{"recipient_id": sender, **r} for r in self.replies]
        return [
            {"recipient_id": sender, "text": f"you said: {text}"},
            {"recipient_id": sender, "text": "pick one", "buttons": [{"title": "Yes", "payload": "/affirm"}]},
        ]

    def trigger_intent(self, sender: str, intent: str, entities: dict[str, Any]):
        if self.fail:
            raise RasaUnavailable("timed out")
        self.triggered.append({"sender": sender, "intent": intent, "entities": entities})
        return [{"recipient_id": sender, **r} for r in self.trigger_replies]

    def health(self):
        return {"rasa": {"ok": self.healthy}, "actions": {"ok": True}}


@pytest.fixture
def assistant():
    return FakeAssistant()


PORTAL_ORIGIN = "https://council.example"


def make_app(tmp_path, assistant, **config):
    return create_app(
        {
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'hub.db'}",
            "TESTING": True,
            "WAYFINDER_ALLOWED_ORIGINS": (PORTAL_ORIGIN,),
            **config,
        },
        assistant=assistant,
    )


@pytest.fixture
def app(tmp_path, assistant):
    return make_app(tmp_path, assistant)


@pytest.fixture
def client(app):
    return app.test_client()


def socket_client(app, origin: str | None = PORTAL_ORIGIN):
    """A Flask-SocketIO test client, as a browser on `origin` would connect."""
    headers = {"Origin": origin} if origin else None
    return app.extensions["socketio"].test_client(app, headers=headers)


@pytest.fixture
def sock(app):
    client = socket_client(app)
    yield client
    if client.is_connected():
        client.disconnect()
