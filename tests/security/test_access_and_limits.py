"""Issue 8 (5, 6, 8), on the real hub and portal apps through Flask test clients:

- (5) a burst of 40 messages from one conversation is throttled, other customers are not;
  console sign-in is throttled;
- (6) a forged or altered conversation id opens nobody's conversation; a page on a foreign
  origin cannot open the customer socket;
- (8) every console route and adviser socket event needs a signed-in session, and every state
  change the CSRF token; security headers (a Content-Security-Policy without inline scripts,
  frame-ancestors, nosniff) on the console, on everything else the hub serves and on the page
  that hosts the widget; no inline script or event handler in any page.

The console's sign-in sessions (a new session at sign-in, the old cookie refused after
sign-out, idle and day limits) are tested in tests/console/test_login.py, and per-route access
and CSRF in tests/console/test_access.py; the real-process side of (6) (Rasa's token and
address, the action server's token) in test_stack_security.py.
"""

from __future__ import annotations

import re
import threading

import pytest

from tests.console.conftest import (
    Adviser,
    events,
    login,
    start_conversation,
)
from tests.hub.conftest import PORTAL_ORIGIN, socket_client

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def say(client, text: str, sender: str | None = None):
    body = {"message": text, **({"sender": sender} if sender else {})}
    return client.post("/webhooks/rest/webhook", json=body)


# -- (5) rate limits -----------------------------------------------------------------------------


def test_a_burst_of_40_messages_is_throttled_and_other_customers_are_not(app, client):
    """The default limits (WAYFINDER_RATE_LIMIT), 40 messages sent at once from one conversation."""
    sender = start_conversation(client, "hello")
    statuses, others = [], []

    def burst() -> None:
        own = app.test_client()
        for n in range(40):
            statuses.append(say(own, f"message {n}", sender).status_code)

    def someone_else() -> None:
        own = app.test_client()
        other = start_conversation(own, "hello, I'm someone else")
        for n in range(5):
            others.append(say(own, f"other {n}", other).status_code)

    threads = [threading.Thread(target=burst), threading.Thread(target=someone_else)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(statuses) == {200, 429}, statuses
    assert 9 <= statuses.count(200) < 40  # ten in ten seconds (the greeting was one) go through, the rest wait
    assert others == [200] * 5
    refused = say(client, "one more", sender)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    sent = [s["text"] for s in app.extensions["wayfinder.assistant"].sent if s["sender"] == sender]
    assert len(sent) == statuses.count(200) + 1  # refused messages never reach the bot


def test_a_burst_on_the_socket_gets_a_notice_and_other_sockets_carry_on(app):
    sock, other = socket_client(app), socket_client(app)
    sock.emit("session_request", {}, callback=True)
    other.emit("session_request", {}, callback=True)
    acks = [sock.emit("user_uttered", {"message": f"message {n}"}, callback=True) for n in range(40)]
    refused = [a for a in acks if not a["ok"]]
    assert refused and all(a["error"] == "rate_limited" for a in refused)
    notices = [e for e in events(sock, "bot_uttered") if (e.get("custom") or {}).get("notice") == "rate_limited"]
    assert len(notices) == len(refused) and "faster than I can read" in notices[0]["text"]
    assert other.emit("user_uttered", {"message": "hi"}, callback=True)["ok"]


def test_console_sign_in_is_throttled(app):
    client = app.test_client()
    answers = [login(client, "alice", f"guess {n}").status_code for n in range(6)]
    assert answers[:5] == [200] * 5 and answers[5] == 429
    assert login(client, "alice").status_code == 429  # the right password waits too


# -- (6) isolation -------------------------------------------------------------------------------


def _forgeries(real: str) -> list[str]:
    random, _, signature = real.partition(".")
    flipped = random[:-1] + ("0" if random[-1] != "0" else "1")
    return [f"{flipped}.{signature}", random, f"{random}.", f"{random}.{signature[::-1]}",
            "0" * 32 + "." + signature, real.upper(), real + "x", "../" + real, real + "\x00"]


def test_a_forged_or_altered_id_opens_no_conversation(app, client):
    victim = start_conversation(client, "my account number is 10000001")
    for forged in _forgeries(victim):
        history = client.get("/api/conversation/history", headers={"Authorization": f"Bearer {forged}"})
        assert history.status_code == 404
        answer = say(client, "what did I say before?", forged)
        assert answer.status_code == 200
        assert answer.get_json()[0]["recipient_id"] not in (victim, forged)  # a new conversation, not theirs
        sock = socket_client(app)
        confirmed = sock.emit("session_request", {"session_id": forged}, callback=True)
        assert confirmed["session_id"] not in (victim, forged)
        history = sock.emit("history_request", {}, callback=True)
        assert all("10000001" not in (m["text"] or "") for m in history["messages"])
        back = client.post("/api/conversation/back-to-assistant", headers={"Authorization": f"Bearer {forged}"})
        assert back.status_code in (401, 404)
        sock.disconnect()
    own = client.get("/api/conversation/history", headers={"Authorization": f"Bearer {victim}"}).get_json()
    assert [m["text"] for m in own["messages"] if m["sender"] == "customer"] == ["my account number is 10000001"]


def test_a_socket_cannot_switch_to_another_conversation_mid_chat(app, client):
    victim = start_conversation(client, "victim's secret")
    sock = socket_client(app)
    mine = sock.emit("session_request", {}, callback=True)["session_id"]
    sock.emit("user_uttered", {"message": "hello", "session_id": victim}, callback=True)
    assert app.extensions["wayfinder.assistant"].sent[-1]["sender"] == mine  # the bound id, not the one sent


@pytest.mark.parametrize("origin", ["http://evil.example", "null", PORTAL_ORIGIN + ".evil.example",
                                    "https://council.example:444"])
def test_a_page_on_a_foreign_origin_cannot_open_the_socket(app, origin):
    sock = socket_client(app, origin=origin)
    assert not sock.is_connected()


# -- (8) the console: login and CSRF everywhere ------------------------------------------------------


def _console_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/console") and rule.endpoint not in ("console.login", "console.static"):
            path = re.sub(r"<[^>]+>", "1", rule.rule)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                yield method, path


def test_every_console_route_needs_a_signed_in_session(app, client):
    rules = list(_console_rules(app))
    assert len(rules) > 20
    for method, path in rules:
        response = client.open(path, method=method, json={})
        assert response.status_code in (302, 401), (method, path, response.status_code)
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/console/login")


def test_every_console_state_change_needs_the_csrf_token(app):
    alice = Adviser(app, "alice")
    for method, path in _console_rules(app):
        if method in STATE_CHANGING:
            response = alice.client.open(path, method=method, json={})
            assert response.status_code == 400, (method, path, response.status_code)


def test_the_adviser_socket_needs_a_signed_in_session(app, client):
    """Without a session no socket opens, so no event gets through (each event re-checks the session
    too: tests/console/test_access.py ends a session elsewhere and tries every event)."""
    sock = app.extensions["socketio"].test_client(app, namespace="/advisers", flask_test_client=client)
    assert not sock.is_connected("/advisers")


# -- (8) security headers and no inline scripts ------------------------------------------------------


def _policy(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy", "")
    return {part.split()[0]: part for part in (p.strip() for p in header.split(";")) if part}


def _strict(response, where: str) -> None:
    policy = _policy(response)
    assert policy, f"{where}: no Content-Security-Policy"
    scripts = policy.get("script-src") or policy.get("default-src")
    assert scripts and "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, where
    assert "frame-ancestors" in policy, where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where


def _no_inline_script(html: str, where: str) -> None:
    for tag in re.findall(r"<script\b[^>]*>", html, flags=re.IGNORECASE):
        assert "src=" in tag, f"{where}: inline script {tag}"
    assert not re.search(r"<script\b[^>]*>(?!\s*</script>)", html), f"{where}: a script tag with code in it"
    assert not re.search(r"\son[a-z]+\s*=", html, flags=re.IGNORECASE), f"{where}: an inline event handler"
    assert "javascript:" not in html.lower(), where


def test_console_pages_have_the_headers_and_no_inline_scripts(app, client):
    from tests.console.conftest import hand_over

    _strict(client.get("/console/login"), "sign-in page")
    _no_inline_script(client.get("/console/login").get_data(as_text=True), "sign-in page")
    alice = Adviser(app, "alice")
    conversation = start_conversation(client)
    handover = hand_over(client, conversation).get_json()["handover_id"]
    for path in ("/console/", f"/console/handovers/{handover}", "/console/callbacks", "/console/api/me",
                 "/console/static/console.js"):
        response = alice.get(path)
        assert response.status_code == 200, path
        _strict(response, path)
        if response.mimetype == "text/html":
            _no_inline_script(response.get_data(as_text=True), path)
    assert "frame-ancestors 'none'" in _policy(alice.get("/console/"))["frame-ancestors"]


@pytest.mark.parametrize("path", ["/healthz", "/webchat/wayfinder.js", "/webchat/wayfinder.css",
                                  "/webchat/vendor/socket.io.min.js", "/api/conversation/history",
                                  "/no/such/page", "/webhooks/rest/webhook"])
def test_everything_else_the_hub_serves_has_the_headers(client, path):
    response = client.get(path)
    _strict(response, path)
    assert response.headers.get("X-Frame-Options") == "DENY"


@pytest.fixture
def portal(tmp_path):
    from demo_portal import create_app

    return create_app({"TESTING": True, "SECRET_KEY": "headers", "HUB_URL": "http://127.0.0.1:22000",
                       "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'portal.db'}"}).test_client()


@pytest.mark.parametrize("path", ["/", "/council-tax/pay", "/sign-in", "/bins/missed", "/parking/permit",
                                  "/no/such/page", "/api/status"])
def test_the_widget_host_has_the_headers_and_no_inline_scripts(portal, path):
    response = portal.get(path)
    _strict(response, path)
    policy = _policy(response)
    assert "http://127.0.0.1:22000" in policy["script-src"]  # the widget's own script, from the hub
    assert "ws://127.0.0.1:22000" in policy["connect-src"]  # and its socket
    assert "'unsafe-inline'" not in policy.get("style-src", "")
    if response.mimetype == "text/html":
        _no_inline_script(response.get_data(as_text=True), path)
