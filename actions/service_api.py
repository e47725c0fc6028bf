"""Typed async client for the organisation's service API (the demo portal's JSON API)."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from typing import Any, Dict, Optional, Protocol

import aiohttp

DEFAULT_TIMEOUT_SECONDS = 5.0


class ServiceApiError(Exception):
    """The service API failed, timed out, or answered something we cannot use."""

    def __init__(self, message: str, *, status: Optional[int] = None, code: Optional[str] = None):
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass(frozen=True)
class ServiceStatus:
    """One service's state as the organisation's API reports it."""

    service: str
    status: str  # "up" | "degraded" | "down"
    message: str = ""

    @property
    def is_up(self) -> bool:
        return self.status == "up"


class ServiceApi(Protocol):
    """What actions need from the service API; tests pass a fake with the same methods."""

    async def status(self, status_key: str) -> ServiceStatus: ...


class HttpServiceApi:
    """The real client: one pooled keep-alive session, a timeout on every call."""

    def __init__(self, base_url: str, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: Optional[aiohttp.ClientSession] = None

    @classmethod
    def from_env(cls) -> "HttpServiceApi":
        return cls(
            os.environ.get("WAYFINDER_PORTAL_URL", "http://127.0.0.1:8001"),
            float(os.environ.get("WAYFINDER_SERVICE_API_TIMEOUT", DEFAULT_TIMEOUT_SECONDS)),
        )

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    async def _get_json(self, path: str) -> Dict[str, Any]:
        url = f"{self.base_url}{path}"
        try:
            async with self._client().get(url) as response:
                try:
                    body = await response.json(content_type=None)
                except ValueError as exc:
                    raise ServiceApiError(
                        f"{path} answered {response.status} without JSON", status=response.status
                    ) from exc
                if response.status >= 400:
                    error = body.get("error", {}) if isinstance(body, dict) else {}
                    raise ServiceApiError(
                        f"{path} answered {response.status}: {error.get('message', '')}",
                        status=response.status,
                        code=error.get("code"),
                    )
                if not isinstance(body, dict):
                    raise ServiceApiError(f"{path} answered JSON that is not an object")
                return body
        except asyncio.TimeoutError as exc:
            raise ServiceApiError(f"{path} did not answer in {self.timeout.total:g} s") from exc
        except aiohttp.ClientError as exc:
            raise ServiceApiError(f"{path} could not be reached: {exc}") from exc

    async def status(self, status_key: str) -> ServiceStatus:
        body = await self._get_json(f"/api/services/{status_key}/status")
        status = body.get("status")
        if status not in ("up", "degraded", "down"):
            raise ServiceApiError(f"status of {status_key} is not one we know: {status!r}")
        return ServiceStatus(status_key, status, str(body.get("message") or ""))
