"""Typed client for Rasa's REST channel and HTTP API: one pooled keep-alive session, timeouts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter


class RasaUnavailable(Exception):
    """Rasa did not answer in time, or answered with an error."""


@dataclass
class Turn:
    """The bot's messages for one turn and, when Rasa sent it along, the tracker after the turn
    (without events: slots and `latest_message`, the customer message's parse_data)."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    tracker: dict[str, Any] | None = None


def _messages(replies: Any, what: str) -> list[dict[str, Any]]:
    if not isinstance(replies, list):
        raise RasaUnavailable(f"Rasa answered {what} that is not a list")
    return [r for r in replies if isinstance(r, dict)]


class Assistant(Protocol):
    """What the hub needs from the assistant; tests pass a fake."""

    def send(self, sender: str, text: str, metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]: ...

    def trigger_intent(self, sender: str, intent: str, entities: dict[str, Any]) -> list[dict[str, Any]]: ...

    def health(self) -> dict[str, Any]: ...


class RasaClient:
    """Talks to `rasa run` over HTTP."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 10.0,
                 actions_url: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.actions_url = actions_url.rstrip("/") if actions_url else None
        self.token = token
        self.timeout = timeout
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=64)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def send(self, sender: str, text: str, metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """The bot's answers to a customer's message."""
        return self.converse(sender, text, metadata).messages

    def converse(self, sender: str, text: str, metadata: dict[str, Any] | None = None) -> Turn:
        """One customer turn through the hub's channel in Rasa (bot/rasa_channel.py): the bot's
        answers and the tracker after the turn. A plain list (Rasa's REST channel) is accepted too."""
        payload = {"sender": sender, "message": text, "metadata": metadata or {}}
        body = self._post(f"{self.base_url}/webhooks/hub/webhook", payload)
        if isinstance(body, dict) and "messages" in body:
            tracker = body.get("tracker")
            messages = _messages(body["messages"], "messages")
            if body.get("circuit_broken") and not messages:
                raise RasaUnavailable("Rasa's circuit breaker stopped the turn without an answer")
            return Turn(messages, tracker if isinstance(tracker, dict) else None)
        return Turn(_messages(body, "JSON"))

    def trigger_intent(self, sender: str, intent: str, entities: dict[str, Any]) -> list[dict[str, Any]]:
        """The bot's answers to an external event, e.g. `EXTERNAL_page_changed` (Rasa's HTTP API)."""
        return self.trigger(sender, intent, entities).messages

    def trigger(self, sender: str, intent: str, entities: dict[str, Any]) -> Turn:
        """An external event's turn: Rasa's HTTP API answers with the messages and the tracker."""
        url = f"{self.base_url}/conversations/{quote(sender, safe='')}/trigger_intent"
        params = {"token": self.token} if self.token else None
        body = self._post(url, {"name": intent, "entities": entities}, params)
        messages = body.get("messages") if isinstance(body, dict) else None
        if not isinstance(messages, list):
            raise RasaUnavailable("Rasa answered the trigger without a list of messages")
        tracker = body.get("tracker")
        return Turn([m for m in messages if isinstance(m, dict)], tracker if isinstance(tracker, dict) else None)

    def tracker(self, sender: str, include_events: str = "NONE") -> dict[str, Any]:
        """The conversation's tracker (Rasa's HTTP API): slots and `latest_message` (its parse_data);
        `include_events="ALL"` adds every event (for exporting a story)."""
        url = f"{self.base_url}/conversations/{quote(sender, safe='')}/tracker"
        params = {"include_events": include_events}
        if self.token:
            params["token"] = self.token
        try:
            response = self.session.get(url, params=params, timeout=self.timeout)
        except requests.RequestException as exc:
            raise RasaUnavailable(f"Rasa could not be reached: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise RasaUnavailable(f"Rasa answered {response.status_code}")
        try:
            body = response.json()
        except ValueError as exc:
            raise RasaUnavailable("Rasa answered without JSON") from exc
        if not isinstance(body, dict):
            raise RasaUnavailable("Rasa answered a tracker that is not an object")
        return body

    def domain(self) -> dict[str, Any]:
        """The loaded model's domain as JSON (Rasa's HTTP API), e.g. which slots steer the dialogue."""
        params = {"token": self.token} if self.token else None
        try:
            response = self.session.get(f"{self.base_url}/domain", params=params, timeout=self.timeout,
                                        headers={"Accept": "application/json"})
            body = response.json() if response.status_code == 200 else None
        except (requests.RequestException, ValueError) as exc:
            raise RasaUnavailable(f"Rasa could not be reached: {type(exc).__name__}") from exc
        if not isinstance(body, dict):
            raise RasaUnavailable("Rasa did not answer with its domain")
        return body

    def _post(self, url: str, payload: dict[str, Any], params: dict[str, str] | None = None) -> Any:
        try:
            response = self.session.post(url, json=payload, params=params, timeout=self.timeout)
        except requests.RequestException as exc:
            raise RasaUnavailable(f"Rasa could not be reached: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise RasaUnavailable(f"Rasa answered {response.status_code}")
        try:
            return response.json()
        except ValueError as exc:
            raise RasaUnavailable("Rasa answered without JSON") from exc

    def _probe(self, url: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        try:
            response = self.session.get(url, params=params, timeout=3)
        except requests.RequestException as exc:
            return {"ok": False, "error": type(exc).__name__}
        return {"ok": response.status_code == 200, "status_code": response.status_code}

    def health(self) -> dict[str, Any]:
        params = {"token": self.token} if self.token else None
        state = {"rasa": self._probe(f"{self.base_url}/status", params)}
        if self.actions_url:
            state["actions"] = self._probe(f"{self.actions_url}/health")
        return state
