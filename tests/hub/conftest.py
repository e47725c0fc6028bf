"""Fixtures for the hub: a fresh database per test and a fake assistant passed in."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest

from bot.hub import create_app
from bot.hub.rasa_client import RasaUnavailable


class FakeAssistant:
    """Records what it was sent and answers like Rasa's REST channel would."""

    def __init__(self) -> None:
        self.sent: List[Dict[str, Any]] = []
        self.fail = False
        self.healthy = True

    def send(self, sender: str, text: str, metadata: Optional[Dict[str, Any]] = None):
        if self.fail:
            raise RasaUnavailable("timed out")
        self.sent.append({"sender": sender, "text": text, "metadata": metadata})
        return [
            {"recipient_id": sender, "text": f"you said: {text}"},
            {"recipient_id": sender, "text": "pick one", "buttons": [{"title": "Yes", "payload": "/affirm"}]},
        ]

    def health(self):
        return {"rasa": {"ok": self.healthy}, "actions": {"ok": True}}


@pytest.fixture
def assistant():
    return FakeAssistant()


@pytest.fixture
def app(tmp_path, assistant):
    return create_app(
        {"SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'hub.db'}", "TESTING": True},
        assistant=assistant,
    )


@pytest.fixture
def client(app):
    return app.test_client()
