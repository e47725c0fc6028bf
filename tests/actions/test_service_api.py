"""The service API client against a real HTTP server: 2xx, 4xx, 5xx, not JSON, timeout, unreachable."""

from __future__ import annotations

import asyncio
import json
import socket
import threading

import pytest

from actions import service_api
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


# --- identity check and transactions -------------------------------------------------------

IDENTITY = "/api/identity/check"
TRANSACTIONS = "/api/services/pay_council_tax/transactions"


def call(routes, method, *args, timeout=2.0):
    with ScriptedServer(routes) as server:
        async def go():
            api = HttpServiceApi(server.url, timeout=timeout)
            try:
                return await getattr(api, method)(*args)
            finally:
                await api.close()
        return asyncio.run(go()), server.requests


def test_identity_verified_gives_the_name_and_token():
    result, requests = call({IDENTITY: json_answer(200, {"verified": True, "name": "Alex Morgan",
                                                         "identity_token": "t0k"})},
                            "identity_check", "10000001", "RV1 1AA")
    assert result.verified and result.name == "Alex Morgan" and result.token == "t0k"
    method, path, body = requests[0]
    assert method == "POST" and path == IDENTITY
    assert json.loads(body) == {"account_reference": "10000001", "postcode": "RV1 1AA"}
    assert "t0k" not in repr(result)


def test_identity_not_matched_is_an_answer_not_an_error():
    result, _ = call({IDENTITY: json_answer(200, {"verified": False})}, "identity_check", "10000009", "RV1 1AA")
    assert not result.verified


@pytest.mark.parametrize(
    "route, expected",
    [
        (json_answer(400, {"error": {"code": "CT_REFERENCE_FORMAT", "message": "8 digits"}}), "400"),
        (json_answer(503, {"error": {"code": "SERVICE_UNAVAILABLE", "message": "down"}}), "503"),
        (json_answer(200, {"verified": True}), "no token"),
        (json_answer(200, {"verified": "maybe"}), "without a yes or no"),
        (slow_answer(1.5, 200, {"verified": False}), "did not answer"),
    ],
)
def test_identity_failures_raise_service_api_error(route, expected):
    with pytest.raises(ServiceApiError, match=expected):
        call({IDENTITY: route}, "identity_check", "10000001", "RV1 1AA", timeout=0.5)


def test_a_transaction_returns_its_reference_and_sends_json():
    result, requests = call({TRANSACTIONS: json_answer(201, {"reference": "CT-7F3K9Q2M", "service": "pay_council_tax",
                                                             "summary": "Paid £1,245.60"})},
                            "create_transaction", "pay_council_tax", "t0k", {"amount": "50.00"})
    assert result.reference == "CT-7F3K9Q2M" and result.summary == "Paid £1,245.60"
    assert json.loads(requests[0][2]) == {"identity_token": "t0k", "details": {"amount": "50.00"}}


@pytest.mark.parametrize(
    "status, code, customer_side",
    [(400, "AMOUNT_TOO_HIGH", True), (409, "NO_SAVED_CARD", True), (401, "IDENTITY_TOKEN_EXPIRED", False),
     (404, "UNKNOWN_SERVICE", False), (500, "SERVICE_ERROR", False), (503, "SERVICE_UNAVAILABLE", False)],
)
def test_transaction_errors_keep_status_code_and_message(status, code, customer_side):
    route = json_answer(status, {"error": {"code": code, "message": "the reason", "field": None}})
    with pytest.raises(ServiceApiError) as caught:
        call({TRANSACTIONS: route}, "create_transaction", "pay_council_tax", "t0k", {})
    assert caught.value.status == status and caught.value.code == code and caught.value.detail == "the reason"
    assert caught.value.is_customer_side is customer_side


def test_a_transaction_that_times_out_says_so():
    with pytest.raises(ServiceApiError) as caught:
        call({TRANSACTIONS: slow_answer(1.5, 201, {"reference": "CT-1"})}, "create_transaction",
             "pay_council_tax", "t0k", {}, timeout=0.5)
    assert caught.value.timed_out


def test_a_2xx_without_a_reference_is_an_error():
    with pytest.raises(ServiceApiError, match="without a reference"):
        call({TRANSACTIONS: json_answer(201, {"service": "pay_council_tax"})}, "create_transaction",
             "pay_council_tax", "t0k", {})


# --- a kept-alive connection dropped as it is reused ----------------------------------------


class DropsReusedConnections:
    """Answers the first request on each connection and keeps it open, then drops it without a word
    when the next request comes on it: a server whose keep-alive ran out just as the client reused
    the connection (gunicorn keeps one for 2 s; under load the race is common)."""

    def __init__(self, answer: dict) -> None:
        self.body = json.dumps(answer).encode()
        self.requests: list[str] = []  # "METHOD path" of every request that arrived
        self.connections = 0
        self.dropped = 0  # connections dropped as a request came on them again
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._talk, args=(connection,), daemon=True).start()

    def _read_request(self, stream) -> bool:
        line = stream.readline()
        if not line:
            return False
        self.requests.append(" ".join(line.decode().split()[:2]))
        length = 0
        while (header := stream.readline()) not in (b"\r\n", b""):
            name, _, value = header.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        stream.read(length)
        return True

    def _talk(self, connection: socket.socket) -> None:
        with connection, connection.makefile("rb") as stream:
            if not self._read_request(stream):
                return
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: keep-alive\r\n"
                               b"Content-Length: " + str(len(self.body)).encode() + b"\r\n\r\n" + self.body)
            if self._read_request(stream):  # the reuse: dropped unanswered
                self.dropped += 1

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.listener.close()


@pytest.fixture
def reuse_always(monkeypatch):
    """The client reuses its kept-alive connection whatever the pause between the two calls: in
    CI a pause in the test process (a garbage collection in a heap holding Rasa and TensorFlow)
    once outlasted the 1.5 s reuse window, the second call went out on a new connection and the
    drop these tests are about never happened."""
    monkeypatch.setattr(service_api, "KEEPALIVE_SECONDS", 600)


def calls_on_one_client(server, *calls):
    async def go():
        api = HttpServiceApi(server.url, timeout=2)
        try:
            return [await getattr(api, method)(*args) for method, *args in calls]
        finally:
            await api.close()
    return asyncio.run(go())


# The client reuses a kept-alive connection when it has one, but once in a full `make test` run on a
# slow machine the second call went out on a new connection, so nothing was dropped and there was
# nothing to test: a scenario in which the client did not reuse its connection is run again.
ATTEMPTS = 5


def on_a_dropped_connection(answer: dict, *calls) -> tuple[DropsReusedConnections, list | Exception]:
    """The calls on one client against a server that drops a reused connection, until the client
    reused one (at most ATTEMPTS times): the server, and the answers or the error."""
    for _ in range(ATTEMPTS):
        with DropsReusedConnections(answer) as server:
            try:
                outcome: list | Exception = calls_on_one_client(server, *calls)
            except ServiceApiError as exc:
                outcome = exc
        if server.dropped:
            break
    assert server.dropped == 1, f"the client never reused its connection in {ATTEMPTS} tries"
    return server, outcome


def test_a_status_check_on_a_dropped_connection_is_tried_again_not_taken_for_a_failure(reuse_always):
    server, answers = on_a_dropped_connection({"status": "up", "message": ""},
                                              ("status", "pay_council_tax"), ("status", "pay_council_tax"))
    assert not isinstance(answers, Exception), answers  # the assistant does not report a failure that did not happen
    first, second = answers
    assert first.is_up and second.is_up
    assert server.requests == [f"GET {PATH}"] * 3  # the second call reused the connection, then a new one
    assert server.connections == 2


def test_a_transaction_on_a_dropped_connection_is_never_sent_twice(reuse_always):
    answer = {"reference": "CT-1", "service": "pay_council_tax", "summary": "paid"}
    server, error = on_a_dropped_connection(
        answer, ("create_transaction", "pay_council_tax", "token", {"amount": "10.00"}),
        ("create_transaction", "pay_council_tax", "token", {"amount": "20.00"}))
    assert isinstance(error, ServiceApiError) and "could not be reached" in str(error)
    assert server.requests == [f"POST {TRANSACTIONS}"] * 2  # the second payment was not sent again
    assert server.connections == 1
