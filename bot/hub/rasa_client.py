"""Typed client for Rasa's REST channel and HTTP API: one pooled keep-alive session, timeouts."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote, urlencode

import urllib3

# At most this many connections to Rasa are kept alive per hub: Rasa keeps an idle one open for
# 120 s, and this many with Rasa's own files stay under the usual limit of 1,024 open files. Rasa
# answers about 50 messages a second, so more turns than this at once wait seconds anyway.
MAX_KEPT_CONNECTIONS = 256


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
    """Talks to `rasa run` over HTTP: urllib3's pool of keep-alive connections (requests' own engine,
    without requests' per-call work: sessions, hooks, cookies and redirects the hub never uses cost
    about half a millisecond a turn in `make bench`'s profile)."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 10.0,
                 actions_url: str | None = None, connections: int = 64) -> None:
        self.base_url = base_url.rstrip("/")
        self.actions_url = actions_url.rstrip("/") if actions_url else None
        self.token = token
        self.timeout = timeout
        # `connections` kept alive: as many as turns may ask Rasa at once (the hub passes its threads),
        # up to MAX_KEPT_CONNECTIONS; a turn beyond them opens a connection and closes it after, and
        # a first message on a new connection waits longest in a busy Rasa (bench-notes, tenth round).
        # No retries, as requests does by default: a turn is never sent to Rasa twice.
        self.http = urllib3.PoolManager(num_pools=4, maxsize=min(connections, MAX_KEPT_CONNECTIONS),
                                        retries=urllib3.Retry(0, read=False, redirect=False))

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
        body = self._post(url, {"name": intent, "entities": entities}, self._token())
        messages = body.get("messages") if isinstance(body, dict) else None
        if not isinstance(messages, list):
            raise RasaUnavailable("Rasa answered the trigger without a list of messages")
        tracker = body.get("tracker")
        return Turn([m for m in messages if isinstance(m, dict)], tracker if isinstance(tracker, dict) else None)

    def tracker(self, sender: str, include_events: str = "NONE") -> dict[str, Any]:
        """The conversation's tracker (Rasa's HTTP API): slots and `latest_message` (its parse_data);
        `include_events="ALL"` adds every event (for exporting a story)."""
        url = f"{self.base_url}/conversations/{quote(sender, safe='')}/tracker"
        body = self._get(url, {"include_events": include_events, **self._token()})
        if not isinstance(body, dict):
            raise RasaUnavailable("Rasa answered a tracker that is not an object")
        return body

    def domain(self) -> dict[str, Any]:
        """The loaded model's domain as JSON (Rasa's HTTP API), e.g. which slots steer the dialogue."""
        body = self._get(f"{self.base_url}/domain", self._token(), headers={"Accept": "application/json"})
        if not isinstance(body, dict):
            raise RasaUnavailable("Rasa did not answer with its domain")
        return body

    def health(self) -> dict[str, Any]:
        state = {"rasa": self._probe(f"{self.base_url}/status", self._token())}
        if self.actions_url:
            state["actions"] = self._probe(f"{self.actions_url}/health")
        return state

    def _token(self) -> dict[str, str]:
        return {"token": self.token} if self.token else {}

    def _post(self, url: str, payload: dict[str, Any], params: dict[str, str] | None = None) -> Any:
        return self._answer("POST", _with_query(url, params), json.dumps(payload).encode(),
                            {"Content-Type": "application/json"})

    def _get(self, url: str, params: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> Any:
        return self._answer("GET", _with_query(url, params), None, headers)

    def _answer(self, method: str, url: str, body: bytes | None, headers: dict[str, str] | None) -> Any:
        """Rasa's JSON answer; RasaUnavailable when it cannot be reached, answers other than 200 or not JSON."""
        response = self._request(method, url, body, headers, self.timeout)
        if isinstance(response, str):
            raise RasaUnavailable(f"Rasa could not be reached: {response}")
        if response.status != 200:
            raise RasaUnavailable(f"Rasa answered {response.status}")
        try:
            return json.loads(response.data)
        except ValueError as exc:  # also a body that is not UTF-8
            raise RasaUnavailable("Rasa answered without JSON") from exc

    def _request(self, method: str, url: str, body: bytes | None, headers: dict[str, str] | None,
                 timeout: float) -> urllib3.BaseHTTPResponse | str:
        """The response, or why there is none (the error's type, e.g. ReadTimeoutError)."""
        try:
            return self.http.request(method, url, body=body, headers=headers,
                                     timeout=urllib3.Timeout(connect=timeout, read=timeout))
        except urllib3.exceptions.MaxRetryError as exc:  # what failed, not that there were no retries left
            return type(exc.reason).__name__ if exc.reason is not None else type(exc).__name__
        except urllib3.exceptions.HTTPError as exc:
            return type(exc).__name__

    def _probe(self, url: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        response = self._request("GET", _with_query(url, params), None, None, 3)
        if isinstance(response, str):
            return {"ok": False, "error": response}
        return {"ok": response.status == 200, "status_code": response.status}


def _with_query(url: str, params: dict[str, str] | None) -> str:
    return f"{url}?{urlencode(params)}" if params else url
