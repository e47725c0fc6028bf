"""The service API client against a real HTTP server: 2xx, 4xx, 5xx, not JSON, timeout, unreachable."""

from __future__ import annotations

import asyncio

import pytest

from actions.service_api import HttpServiceApi, ServiceApiError
from tests.support.http_server import ScriptedServer, json_answer, slow_answer

PATH = "/api/services/pay_council_tax/status"


def status_with(route, timeout=2.0):
    with ScriptedServer({PATH: route}) as server:
        async def go():
            api = HttpServiceApi(server.url, timeout=timeout)
            try:
                return await api.status("pay_council_tax")
            finally:
                if api._session:
                    await api._session.close()
        return asyncio.run(go())


def test_up():
    status = status_with(json_answer(200, {"service": "pay_council_tax", "status": "up", "message": ""}))
    assert status.is_up and status.status == "up"


def test_down_is_a_status_not_an_error():
    status = status_with(json_answer(200, {"status": "down", "message": "maintenance"}))
    assert not status.is_up and status.message == "maintenance"


@pytest.mark.parametrize(
    "route, expected",
    [
        (json_answer(404, {"error": {"code": "UNKNOWN_SERVICE", "message": "no such service"}}), "404"),
        (json_answer(500, {"error": {"code": "SERVICE_ERROR", "message": "boom"}}), "500"),
        (lambda: (200, "<html>not json</html>"), "without JSON"),
        (json_answer(200, ["not", "an", "object"]), "not an object"),
        (json_answer(200, {"status": "sideways"}), "not one we know"),
        (slow_answer(1.5, 200, {"status": "up"}), "did not answer"),
    ],
)
def test_failures_raise_service_api_error(route, expected):
    with pytest.raises(ServiceApiError, match=expected):
        status_with(route, timeout=0.5)


def test_unreachable_api_raises_service_api_error():
    async def go():
        api = HttpServiceApi("http://127.0.0.1:9", timeout=1)
        try:
            return await api.status("pay_council_tax")
        finally:
            if api._session:
                await api._session.close()

    with pytest.raises(ServiceApiError, match="could not be reached"):
        asyncio.run(go())
