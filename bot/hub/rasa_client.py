"""Typed client for Rasa's REST channel and HTTP API: one pooled keep-alive session, timeouts."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Protocol

import requests
from requests.adapters import HTTPAdapter


class RasaUnavailable(Exception):
    """Rasa did not answer in time, or answered with an error."""


class Assistant(Protocol):
    """What the hub needs from the assistant; tests pass a fake."""

    def send(self, sender: str, text: str, metadata: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]: ...

    def health(self) -> Dict[str, Any]: ...


class RasaClient:
    """Talks to `rasa run` over HTTP."""

    def __init__(self, base_url: str, token: Optional[str] = None, timeout: float = 15.0,
                 actions_url: Optional[str] = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.actions_url = actions_url.rstrip("/") if actions_url else None
        self.token = token
        self.timeout = timeout
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=64)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def send(self, sender: str, text: str, metadata: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
        payload = {"sender": sender, "message": text, "metadata": metadata or {}}
        try:
            response = self.session.post(
                f"{self.base_url}/webhooks/rest/webhook", json=payload, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise RasaUnavailable(f"Rasa could not be reached: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise RasaUnavailable(f"Rasa answered {response.status_code}")
        try:
            replies = response.json()
        except ValueError as exc:
            raise RasaUnavailable("Rasa answered without JSON") from exc
        if not isinstance(replies, list):
            raise RasaUnavailable("Rasa answered JSON that is not a list")
        return [r for r in replies if isinstance(r, dict)]

    def _probe(self, url: str, params: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
        try:
            response = self.session.get(url, params=params, timeout=3)
        except requests.RequestException as exc:
            return {"ok": False, "error": type(exc).__name__}
        return {"ok": response.status_code == 200, "status_code": response.status_code}

    def health(self) -> Dict[str, Any]:
        params = {"token": self.token} if self.token else None
        state = {"rasa": self._probe(f"{self.base_url}/status", params)}
        if self.actions_url:
            state["actions"] = self._probe(f"{self.actions_url}/health")
        return state
