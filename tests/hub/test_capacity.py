"""bot/hub/capacity.py: while open chats hold the hub's threads, a new chat is asked to retry; nothing else is."""

from __future__ import annotations

import threading

import pytest

from bot.hub.capacity import SocketCapacity, open_files_for, raise_open_files_limit, socket_limit


class HeldOpen:
    """A WSGI app whose Socket.IO requests stay open (as a websocket does) until released."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.entered = threading.Semaphore(0)

    def __call__(self, environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        if environ["PATH_INFO"].startswith("/socket.io/") and "hold" in environ.get("QUERY_STRING", ""):
            self.entered.release()
            self.release.wait(10)
        return [b"ok"]


def call(app, path, query=""):
    """One request through `app` as a WSGI server makes it: start, iterate, close."""
    seen = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = status, dict(headers)

    response = app({"PATH_INFO": path, "QUERY_STRING": query, "REQUEST_METHOD": "GET"}, start_response)
    try:
        seen["body"] = b"".join(response)
    finally:
        getattr(response, "close", lambda: None)()
    return seen


def test_a_reserve_of_a_tenth_at_least_ten_threads_is_kept():
    assert socket_limit(1000) == 900
    assert socket_limit(100) == 90
    assert socket_limit(30) == 20
    assert socket_limit(20) == 10


@pytest.fixture
def full():
    """A hub allowing two Socket.IO requests at once, with two chats holding them open."""
    inner = HeldOpen()
    app = SocketCapacity(inner, limit=2)
    chats = [threading.Thread(target=call, args=(app, "/socket.io/", f"EIO=4&transport=websocket&sid=s{n}&hold=1"))
             for n in range(2)]
    for chat in chats:
        chat.start()
    for _ in chats:
        assert inner.entered.acquire(timeout=5)
    yield app, inner
    inner.release.set()
    for chat in chats:
        chat.join(5)


def test_when_open_chats_hold_the_limit_a_new_chat_is_asked_to_retry(full):
    app, _ = full
    refused = call(app, "/socket.io/", "EIO=4&transport=polling")
    assert refused["status"].startswith("503")
    assert refused["headers"]["Retry-After"] == "5"
    assert b'"busy"' in refused["body"]
    assert app.in_progress == 2  # the refusal held nothing


def test_when_full_everything_else_is_still_served(full):
    app, _ = full
    assert call(app, "/webhooks/rest/webhook")["status"] == "200 OK"  # REST customers
    assert call(app, "/api/handovers")["status"] == "200 OK"  # the action server's handovers
    assert call(app, "/healthz")["status"] == "200 OK"
    # a chat already open goes on (its next long-poll or its upgrade carries its sid)
    assert call(app, "/socket.io/", "EIO=4&transport=polling&sid=s0")["status"] == "200 OK"


def test_once_a_chat_closes_a_new_one_gets_in(full):
    app, inner = full
    assert call(app, "/socket.io/", "EIO=4&transport=polling")["status"].startswith("503")
    inner.release.set()
    for _ in range(50):  # the two held requests finish and are closed by their threads
        if app.in_progress == 0:
            break
        threading.Event().wait(0.1)
    assert app.in_progress == 0
    assert call(app, "/socket.io/", "EIO=4&transport=polling")["status"] == "200 OK"
    assert app.in_progress == 0  # released when the server closed the response


def test_a_failing_request_gives_its_place_back():
    def broken(environ, start_response):
        raise RuntimeError("boom")

    app = SocketCapacity(broken, limit=1)
    with pytest.raises(RuntimeError):
        call(app, "/socket.io/", "EIO=4&transport=polling")
    assert app.in_progress == 0


class Limits:
    """`resource` as a test sees it: a soft and a hard limit on open files."""

    RLIMIT_NOFILE = 7
    RLIM_INFINITY = -1

    def __init__(self, soft: int, hard: int) -> None:
        self.soft, self.hard = soft, hard

    def getrlimit(self, which):
        assert which == self.RLIMIT_NOFILE
        return self.soft, self.hard

    def setrlimit(self, which, limits):
        assert which == self.RLIMIT_NOFILE and limits[1] == self.hard
        assert self.hard == self.RLIM_INFINITY or limits[0] <= self.hard
        self.soft = limits[0]


def test_the_open_files_limit_is_raised_for_the_chats_never_past_the_hard_limit_nor_lowered(caplog):
    low = Limits(1024, 524288)  # a common default
    assert raise_open_files_limit(1000, low) == open_files_for(1000) == low.soft > 2000
    high = Limits(20000, 20000)
    assert raise_open_files_limit(1000, high) == 20000  # already enough: left alone
    capped = Limits(1024, 1500)
    assert raise_open_files_limit(1000, capped) == 1500 == capped.soft
    assert "lower WAYFINDER_HUB_THREADS" in caplog.text
    unlimited = Limits(1024, Limits.RLIM_INFINITY)
    assert raise_open_files_limit(1000, unlimited) == open_files_for(1000)


def test_when_full_an_adviser_signed_in_to_the_console_still_gets_in_from_part_of_the_reserve(full):
    app, _ = full
    app.admit = lambda environ: environ.get("HTTP_COOKIE") == "adviser"
    app.admit_beyond = 1
    assert call(app, "/socket.io/", "EIO=4&transport=polling")["status"].startswith("503")  # a customer

    def open_as_adviser():
        got = {}
        environ = {"PATH_INFO": "/socket.io/", "QUERY_STRING": "EIO=4&transport=polling", "HTTP_COOKIE": "adviser"}
        return app(environ, lambda status, headers: got.setdefault("status", status)), got

    first, got = open_as_adviser()
    assert got["status"] == "200 OK" and app.in_progress == 3  # beyond the customers' limit
    _, got = open_as_adviser()
    assert got["status"].startswith("503")  # but only into its part of the reserve
    first.close()
    assert app.in_progress == 2


def test_only_a_console_session_signed_by_this_hub_counts_as_signed_in():
    from flask import Flask

    from bot.console.sessions import signed_in

    app = Flask(__name__)
    app.config["SECRET_KEY"] = "the hub's secret"
    serializer = app.session_interface.get_signing_serializer(app)
    other = Flask(__name__)
    other.config["SECRET_KEY"] = "someone else's secret"

    def with_cookie(value):
        return {"HTTP_COOKIE": f"session={value}"}

    assert signed_in(app, with_cookie(serializer.dumps({"_user_id": "token"})))
    assert not signed_in(app, with_cookie(serializer.dumps({"csrf_token": "x"})))  # a visitor, not signed in
    assert not signed_in(app, with_cookie(other.session_interface.get_signing_serializer(other).dumps(
        {"_user_id": "token"})))  # forged with another key
    assert not signed_in(app, with_cookie("not-a-session"))
    assert not signed_in(app, {})
