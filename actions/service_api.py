"""Typed async client for the organisation's service API (the demo portal's JSON API)."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp

DEFAULT_TIMEOUT_SECONDS = 5.0
# A kept-alive connection is reused only this soon after its last answer: servers close idle ones
# (gunicorn after 2 s), and one closed just as it is reused fails the call without an answer.
KEEPALIVE_SECONDS = 1.5


def pooled_session(timeout: aiohttp.ClientTimeout) -> aiohttp.ClientSession:
    """A keep-alive session for the action server's calls (the service API, the hub)."""
    return aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS))


def _dropped(exc: aiohttp.ClientError) -> bool:
    """The connection went away without an answer (not: it could not be opened at all)."""
    return isinstance(exc, (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)) and \
        not isinstance(exc, aiohttp.ClientConnectorError)

# 4xx answers that mean "not for this account / these details", not "our system failed":
# the customer is told why in plain words and offered another way.
CUSTOMER_SIDE_STATUSES = (400, 409)


class ServiceApiError(Exception):
    """The service API failed, timed out, or answered something we cannot use."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        detail: str = "",
        timed_out: bool = False,
        dropped: bool = False,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.detail = detail  # the API's own human-readable message, if any
        self.timed_out = timed_out
        self.dropped = dropped  # the connection went away before any answer

    @property
    def is_customer_side(self) -> bool:
        """A 400/409 with a code: the request was understood and refused for a reason."""
        return self.status in CUSTOMER_SIDE_STATUSES and bool(self.code)


@dataclass(frozen=True)
class ServiceStatus:
    """One service's state as the organisation's API reports it."""

    service: str
    status: str  # "up" | "degraded" | "down"
    message: str = ""

    @property
    def is_up(self) -> bool:
        return self.status == "up"


@dataclass(frozen=True)
class IdentityResult:
    """The answer to "is this reference and postcode one account?"."""

    verified: bool
    name: str = ""
    token: str = field(default="", repr=False)  # proof for 15 minutes; never logged


@dataclass(frozen=True)
class Transaction:
    """A service completed for the customer."""

    reference: str
    service: str
    summary: str = ""


class ServiceApi(Protocol):
    """What actions need from the service API; tests pass a fake with the same methods."""

    async def status(self, status_key: str) -> ServiceStatus: ...

    async def identity_check(self, account_reference: str, postcode: str) -> IdentityResult: ...

    async def create_transaction(
        self, service_id: str, identity_token: str, details: dict[str, Any]
    ) -> Transaction: ...


class HttpServiceApi:
    """The real client: one pooled keep-alive session, a timeout on every call."""

    def __init__(self, base_url: str, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    @classmethod
    def from_env(cls) -> HttpServiceApi:
        return cls(
            os.environ.get("WAYFINDER_PORTAL_URL", "http://127.0.0.1:8001"),
            float(os.environ.get("WAYFINDER_SERVICE_API_TIMEOUT", DEFAULT_TIMEOUT_SECONDS)),
        )

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = pooled_session(self.timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """One call; the JSON object it answered, or ServiceApiError for anything else.

        A read whose connection was dropped before any answer (the server closed a kept-alive
        connection as it was reused, under load or after idling) is tried once more: otherwise the
        assistant would tell the customer the service has failed when it has not.
        """
        try:
            return await self._request_once(method, path, body)
        except ServiceApiError as exc:
            if method != "GET" or not exc.dropped:  # a write is never sent twice
                raise
        return await self._request_once(method, path, body)

    async def _request_once(self, method: str, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
        url = f"{self.base_url}{path}"
        try:
            async with self._client().request(method, url, json=body) as response:
                try:
                    answer = await response.json(content_type=None)
                except ValueError as exc:
                    raise ServiceApiError(
                        f"{path} answered {response.status} without JSON", status=response.status
                    ) from exc
                if response.status >= 400:
                    error = answer.get("error", {}) if isinstance(answer, dict) else {}
                    error = error if isinstance(error, dict) else {}
                    raise ServiceApiError(
                        f"{path} answered {response.status}: {error.get('code') or 'no code'}",
                        status=response.status,
                        code=error.get("code"),
                        detail=str(error.get("message") or ""),
                    )
                if not 200 <= response.status < 300:
                    raise ServiceApiError(f"{path} answered {response.status}", status=response.status)
                if not isinstance(answer, dict):
                    raise ServiceApiError(f"{path} answered JSON that is not an object")
                return answer
        except asyncio.TimeoutError as exc:
            raise ServiceApiError(
                f"{path} did not answer in {self.timeout.total:g} s", timed_out=True
            ) from exc
        except aiohttp.ClientError as exc:
            raise ServiceApiError(f"{path} could not be reached: {type(exc).__name__}", dropped=_dropped(exc)) from exc

    async def _get_json(self, path: str) -> dict[str, Any]:
        return await self._request("GET", path)

    async def status(self, status_key: str) -> ServiceStatus:
        body = await self._get_json(f"/api/services/{status_key}/status")
        status = body.get("status")
        if status not in ("up", "degraded", "down"):
            raise ServiceApiError(f"status of {status_key} is not one we know: {status!r}")
        return ServiceStatus(status_key, status, str(body.get("message") or ""))

    async def identity_check(self, account_reference: str, postcode: str) -> IdentityResult:
        body = await self._request(
            "POST",
            "/api/identity/check",
            {"account_reference": account_reference, "postcode": postcode},
        )
        verified = body.get("verified")
        if verified is True:
            token = body.get("identity_token")
            if not isinstance(token, str) or not token:
                raise ServiceApiError("identity check said verified but gave no token")
            return IdentityResult(True, str(body.get("name") or ""), token)
        if verified is False:
            return IdentityResult(False)
        raise ServiceApiError(f"identity check answered without a yes or no: {verified!r}")

    async def create_transaction(
        self, service_id: str, identity_token: str, details: dict[str, Any]
    ) -> Transaction:
        body = await self._request(
            "POST",
            f"/api/services/{service_id}/transactions",
            {"identity_token": identity_token, "details": details},
        )
        reference = body.get("reference")
        if not isinstance(reference, str) or not reference:
            raise ServiceApiError(f"{service_id} transaction answered without a reference")
        return Transaction(reference, str(body.get("service") or service_id), str(body.get("summary") or ""))
