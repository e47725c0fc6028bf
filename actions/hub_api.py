"""Typed async client for the hub's API (action server → hub): hand a conversation to advisers, request a callback.

`HubApi.request(summary)` fits `action_handover`'s desk: it posts the summary to
`POST /api/handovers` with the hub token and answers with the place in the queue, or says
that a callback should be offered (out of hours, nobody online). `request_callback(...)`
stores the customer's callback details (`POST /api/callbacks`). 4xx, 5xx and timeouts each
raise a HubApiError saying which.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

from actions.service_api import pooled_session

DEFAULT_TIMEOUT_SECONDS = 5.0
LATEST_WORDS, LATEST_PAGES, FIRST_CODES = 20, 50, 20


class HubApiError(Exception):
    """The hub refused the call, failed, or did not answer in time."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None,
                 detail: str = "", fields: Mapping[str, str] | None = None, timed_out: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.detail = detail  # the hub's own message
        self.fields = dict(fields or {})  # for 400s: what is wrong with each field
        self.timed_out = timed_out

    @property
    def is_rejected(self) -> bool:
        """A 4xx: the request itself was wrong (bad details, unknown conversation, token)."""
        return self.status is not None and 400 <= self.status < 500


@dataclass(frozen=True)
class HandoverResult:
    """The hub's answer to a handover."""

    status: str  # "waiting" | "claimed" (queued) | "callback_offered"
    handover_id: int | None = None
    position: int | None = None  # 1 = next to be answered; 0 = an adviser has it
    wait_minutes: int | None = None
    advisers_online: int = 0
    opening_hours: str = ""  # e.g. "Monday to Friday 08:00 to 18:00"
    why: str | None = None  # with callback_offered: "out_of_hours" | "no_adviser_online"
    next_opening: str | None = None  # ISO date-time, with out_of_hours
    already_open: bool = False  # the conversation was already with advisers

    @property
    def queued(self) -> bool:
        return self.status in ("waiting", "claimed")

    @property
    def callback_offered(self) -> bool:
        return self.status == "callback_offered"


@dataclass(frozen=True)
class CallbackResult:
    """A stored callback ticket."""

    reference: str  # e.g. "CB-00012", for the customer
    contact: str  # "phone" | "email": how an adviser will get in touch
    preferred_time: str  # "asap" | "morning" | "afternoon" | ISO date-time
    opening_hours: str = ""


def summary_payload(summary: Any) -> dict[str, Any]:
    """A handover summary as JSON (a mapping, a dataclass, or anything with `as_dict()`), kept small.

    A long conversation sends only the customer's latest words and pages, so the request
    stays well inside the hub's body limit (the hub keeps the same number).
    """
    if isinstance(summary, Mapping):
        payload = dict(summary)
    elif hasattr(summary, "as_dict"):
        payload = dict(summary.as_dict())
    elif dataclasses.is_dataclass(summary) and not isinstance(summary, type):
        payload = dataclasses.asdict(summary)
    else:
        raise TypeError(f"cannot send a {type(summary).__name__} as a handover summary")
    for name, keep in (("customer_words", LATEST_WORDS), ("pages_visited", LATEST_PAGES)):
        if isinstance(payload.get(name), list):
            payload[name] = payload[name][-keep:]
    if isinstance(payload.get("error_codes"), list):
        payload["error_codes"] = payload["error_codes"][:FIRST_CODES]
    return payload


class HubApi:
    """The real client: one keep-alive session, a timeout on every call, the hub token on every call."""

    def __init__(self, base_url: str, token: str, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    @classmethod
    def from_env(cls) -> HubApi:
        token = os.environ.get("WAYFINDER_HUB_TOKEN")
        if not token:
            raise HubApiError("WAYFINDER_HUB_TOKEN is not set: the action server cannot call the hub")
        return cls(os.environ.get("WAYFINDER_HUB_URL", "http://127.0.0.1:8000"), token)

    async def request(self, summary: Any) -> HandoverResult:
        """Hand the conversation to advisers (the `HandoverDesk` shape `action_handover` uses)."""
        return await self.request_handover(summary)

    async def request_handover(self, summary: Any) -> HandoverResult:
        body = await self._post("/api/handovers", summary_payload(summary))
        status = body.get("status")
        if status not in ("waiting", "claimed", "callback_offered"):
            raise HubApiError(f"/api/handovers answered an unknown status {status!r}")
        return HandoverResult(
            status=status,
            handover_id=_int(body.get("handover_id")),
            position=_int(body.get("position")),
            wait_minutes=_int(body.get("wait_minutes")),
            advisers_online=_int(body.get("advisers_online")) or 0,
            opening_hours=str(body.get("opening_hours") or ""),
            why=body.get("why"),
            next_opening=body.get("next_opening"),
            already_open=bool(body.get("already_open")),
        )

    async def request_callback(self, *, name: str, phone: str | None = None, email: str | None = None,
                               preferred_time: str = "asap", conversation_id: str | None = None) -> CallbackResult:
        """Store a callback ticket; a 400 HubApiError's `fields` says what to ask the customer again."""
        payload = {"conversation_id": conversation_id, "name": name, "phone": phone, "email": email,
                   "preferred_time": preferred_time}
        body = await self._post("/api/callbacks", {k: v for k, v in payload.items() if v is not None})
        reference = body.get("reference")
        if not isinstance(reference, str) or not reference:
            raise HubApiError("/api/callbacks answered without a reference")
        return CallbackResult(reference, str(body.get("contact") or ""), str(body.get("preferred_time") or ""),
                              str(body.get("opening_hours") or ""))

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = pooled_session(self.timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """One call; the JSON object the hub answered, or HubApiError for anything else."""
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            async with self._client().post(f"{self.base_url}{path}", json=payload, headers=headers) as response:
                try:
                    answer = await response.json(content_type=None)
                except ValueError as exc:
                    raise HubApiError(f"{path} answered {response.status} without JSON",
                                      status=response.status) from exc
                if response.status >= 400:
                    error = answer.get("error") if isinstance(answer, dict) else None
                    error = error if isinstance(error, dict) else {}
                    raise HubApiError(
                        f"{path} answered {response.status}: {error.get('code') or 'no code'}",
                        status=response.status, code=error.get("code"),
                        detail=str(error.get("message") or ""),
                        fields=error.get("fields") if isinstance(error.get("fields"), dict) else None,
                    )
                if not 200 <= response.status < 300 or not isinstance(answer, dict):
                    raise HubApiError(f"{path} answered {response.status} with something unusable",
                                      status=response.status)
                return answer
        except asyncio.TimeoutError as exc:
            raise HubApiError(f"{path} did not answer in {self.timeout.total:g} s", timed_out=True) from exc
        except aiohttp.ClientError as exc:
            raise HubApiError(f"{path} could not be reached: {type(exc).__name__}") from exc


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


_shared: HubApi | None = None


def default_hub_api() -> HubApi:
    """The action server's one client for the hub (keep-alive), made on first use from the environment."""
    global _shared
    if _shared is None:
        _shared = HubApi.from_env()
    return _shared
