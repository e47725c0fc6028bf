"""Access control over every console route and socket event: sign-in, CSRF, roles, other advisers' chats."""

from __future__ import annotations

import pytest

from bot.hub.store import Conversation, db
from tests.console.conftest import events, start_conversation

# Every console route, with a method and an example path. test_every_console_route_is_listed keeps this complete.
PAGES = [
    ("GET", "/console/"),
    ("GET", "/console/handovers/1"),
    ("GET", "/console/callbacks"),
    ("POST", "/console/logout"),
    ("POST", "/console/availability"),
    ("POST", "/console/handovers/1/claim"),
    ("POST", "/console/handovers/1/reply"),
    ("POST", "/console/handovers/1/handback"),
    ("POST", "/console/handovers/1/resolve"),
    ("POST", "/console/handovers/1/reassign"),
    ("POST", "/console/callbacks/1/done"),
    ("GET", "/console/review"),
    ("GET", "/console/review/c1"),
    ("GET", "/console/review/c1/story.yml"),
    ("GET", "/console/review/examples.yml"),
    ("POST", "/console/review/messages/1/example"),
    ("GET", "/console/insights"),
    ("GET", "/console/insights.csv"),
]
# What a content editor may open (every other console route is for advisers: 403 for them).
CONTENT_ROUTES = {path for _, path in PAGES if path.startswith(("/console/review", "/console/insights"))} | {
    "/console/logout", "/console/api/me", "/console/"}  # the queue's address takes them to the review
API = [
    ("GET", "/console/api/me"),
    ("GET", "/console/api/handovers"),
    ("GET", "/console/api/handovers/1"),
    ("GET", "/console/api/advisers"),
    ("GET", "/console/api/callbacks"),
    ("POST", "/console/api/availability"),
    ("POST", "/console/api/handovers/1/claim"),
    ("POST", "/console/api/handovers/1/reply"),
    ("POST", "/console/api/handovers/1/handback"),
    ("POST", "/console/api/handovers/1/resolve"),
    ("POST", "/console/api/handovers/1/reassign"),
    ("POST", "/console/api/callbacks/1/done"),
]
PUBLIC = {"/console/login", "/console/static/<path:filename>"}
SOCKET_EVENTS = ["queue", "heartbeat", "follow", "unfollow", "claim", "reply"]


def test_every_console_route_is_listed(app):
    listed = {path.replace("/1", "/<int:x>") for _, path in PAGES + API}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/console") or rule.rule in PUBLIC or rule.endpoint == "static":
            continue
        shape = (rule.rule.replace("<int:handover_id>", "<int:x>").replace("<int:ticket_id>", "<int:x>")
                 .replace("<int:message_id>", "<int:x>").replace("<conversation_id>", "c1"))
        assert shape in listed, f"{rule.rule} is not in the access-control tests"


@pytest.mark.parametrize(("method", "path"), PAGES)
def test_pages_need_sign_in(client, method, path):
    response = client.open(path, method=method)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/console/login")


@pytest.mark.parametrize(("method", "path"), API)
def test_json_needs_sign_in(client, method, path):
    response = client.open(path, method=method, json={})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "signed_out"


@pytest.mark.parametrize(("method", "path"), API)
def test_a_customers_conversation_id_is_no_key_to_the_console(client, method, path):
    conversation_id = start_conversation(client)
    response = client.open(path, method=method, json={}, headers={"Authorization": f"Bearer {conversation_id}"})
    assert response.status_code == 401


@pytest.mark.parametrize(("method", "path"), [r for r in PAGES + API if r[0] == "POST"])
def test_changes_need_the_csrf_token(alice, waiting, method, path):
    response = alice.client.open(path.replace("/1/", f"/{waiting['handover_id']}/"), method=method,
                                 data={} if "/api/" not in path else None,
                                 json={} if "/api/" in path else None)
    assert response.status_code == 400
    if "/api/" in path:
        assert response.get_json()["error"]["code"] == "csrf"


def test_a_csrf_token_from_another_session_is_refused(app, alice, bob, waiting):
    response = alice.client.post(f"/console/api/handovers/{waiting['handover_id']}/claim", json={},
                                 headers={"X-CSRFToken": bob.csrf})
    assert response.status_code == 400


def test_the_sign_in_form_needs_the_csrf_token(client):
    client.get("/console/login")
    response = client.post("/console/login", data={"username": "alice", "password": "x"})
    assert response.status_code == 400


# -- the advisers' socket ------------------------------------------------------------------------


def test_the_adviser_namespace_refuses_anyone_not_signed_in(app, client):
    socket = app.extensions["socketio"].test_client(app, namespace="/advisers", flask_test_client=client,
                                                    auth={"csrf_token": "x"})
    assert not socket.is_connected("/advisers")


def test_the_adviser_namespace_needs_the_pages_csrf_token(app, alice):
    socket = app.extensions["socketio"].test_client(app, namespace="/advisers", flask_test_client=alice.client,
                                                    auth={"csrf_token": "forged"})
    assert not socket.is_connected("/advisers")
    socket = app.extensions["socketio"].test_client(app, namespace="/advisers", flask_test_client=alice.client)
    assert not socket.is_connected("/advisers")


def test_the_adviser_namespace_refuses_other_origins(app, alice):
    socket = alice.socket(headers={"Origin": "https://council.example"})
    assert not socket.is_connected("/advisers")
    socket = alice.socket(headers={"Origin": "http://localhost"})
    assert socket.is_connected("/advisers")


def test_signing_out_disconnects_that_sessions_sockets(app, alice, bob):
    socket, other = alice.socket(), bob.socket()
    assert socket.emit("queue", {}, namespace="/advisers", callback=True)["ok"]
    alice.form("/console/logout")
    assert not socket.is_connected("/advisers")
    assert other.is_connected("/advisers")


@pytest.mark.parametrize("event", SOCKET_EVENTS)
def test_every_socket_event_is_refused_when_the_session_ends_elsewhere(app, alice, waiting, event):
    """Another process signed the session out (its row is gone): the next event fails, whatever it is."""
    from bot.console.models import AdviserSession

    socket = alice.socket()
    with app.app_context():
        AdviserSession.query.delete()
        db.session.commit()
    answer = socket.emit(event, {"handover_id": waiting["handover_id"], "text": "hi"},
                         namespace="/advisers", callback=True)
    assert answer["ok"] is False and answer["error"] == "signed_out"
    assert not socket.is_connected("/advisers")


# -- other advisers' chats and roles -------------------------------------------------------------


def test_an_adviser_cannot_open_or_answer_another_advisers_chat(alice, bob, waiting):
    handover = waiting["handover_id"]
    assert bob.get(f"/console/handovers/{handover}").status_code == 200  # waiting: anyone may read it
    assert alice.api(f"/console/api/handovers/{handover}/claim").status_code == 200
    assert bob.get(f"/console/handovers/{handover}").status_code == 403
    assert bob.get(f"/console/api/handovers/{handover}").status_code == 403
    assert bob.api(f"/console/api/handovers/{handover}/reply", {"text": "hi"}).status_code == 403
    assert bob.form(f"/console/handovers/{handover}/reply", text="hi").status_code == 403
    assert bob.api(f"/console/api/handovers/{handover}/resolve", {"outcome": "resolved"}).status_code == 403
    assert bob.api(f"/console/api/handovers/{handover}/handback", {}).status_code == 403
    socket = bob.socket()
    answer = socket.emit("follow", {"handover_id": handover}, namespace="/advisers", callback=True)
    assert answer["error"] == "forbidden"
    assert socket.emit("reply", {"handover_id": handover, "text": "hi"}, namespace="/advisers",
                       callback=True)["error"] == "forbidden"
    queue = bob.get("/console/api/handovers").get_json()["handovers"]
    assert handover not in [h["id"] for h in queue]


def test_a_supervisor_sees_and_answers_every_chat(alice, sue, waiting, app):
    handover = waiting["handover_id"]
    alice.api(f"/console/api/handovers/{handover}/claim")
    assert sue.get(f"/console/handovers/{handover}").status_code == 200
    assert [h["id"] for h in sue.get("/console/api/handovers").get_json()["handovers"]] == [handover]
    assert sue.api(f"/console/api/handovers/{handover}/reply", {"text": "Sue here"}).status_code == 201


def test_an_adviser_cannot_reassign(alice, bob, waiting):
    handover = waiting["handover_id"]
    alice.api(f"/console/api/handovers/{handover}/claim")
    assert alice.api(f"/console/api/handovers/{handover}/reassign", {"to": "queue"}).status_code == 403
    assert alice.form(f"/console/handovers/{handover}/reassign", to="queue").status_code == 403
    assert alice.get("/console/api/advisers").status_code == 403


def test_a_supervisor_reassigns_to_another_adviser_or_the_queue(app, alice, bob, sue, waiting):
    handover = waiting["handover_id"]
    alice.api(f"/console/api/handovers/{handover}/claim")
    bob_id = next(a["id"] for a in sue.get("/console/api/advisers").get_json()["advisers"]
                  if a["display_name"] == "Bob")
    answer = sue.api(f"/console/api/handovers/{handover}/reassign", {"to": bob_id})
    assert answer.status_code == 200 and answer.get_json()["handover"]["claimed_by"] == "Bob"
    assert alice.get(f"/console/handovers/{handover}").status_code == 403
    assert bob.api(f"/console/api/handovers/{handover}/reply", {"text": "Bob here"}).status_code == 201
    assert sue.api(f"/console/api/handovers/{handover}/reassign", {"to": "queue"}).status_code == 200
    with app.app_context():
        assert db.session.get(Conversation, waiting["conversation_id"]).handled_by == "queue"
    assert alice.api(f"/console/api/handovers/{handover}/claim").status_code == 200


def test_a_reassigned_adviser_stops_receiving_the_chat_live(app, client, alice, bob, sue, waiting):
    handover = waiting["handover_id"]
    alice.api(f"/console/api/handovers/{handover}/claim")
    socket = alice.socket()
    assert socket.emit("follow", {"handover_id": handover}, namespace="/advisers", callback=True)["ok"]
    bob_id = next(a["id"] for a in sue.get("/console/api/advisers").get_json()["advisers"]
                  if a["display_name"] == "Bob")
    sue.api(f"/console/api/handovers/{handover}/reassign", {"to": bob_id})
    socket.get_received("/advisers")
    client.post("/webhooks/rest/webhook", json={"sender": waiting["conversation_id"], "message": "still there?"})
    assert events(socket, "chat_message", "/advisers") == []


def test_pages_carry_a_strict_content_security_policy(alice):
    response = alice.get("/console/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "<script>" not in response.get_data(as_text=True)
    assert " style=" not in response.get_data(as_text=True)


# -- content editors -------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), [r for r in PAGES + API if r[1] not in CONTENT_ROUTES])
def test_a_content_editor_cannot_reach_anything_advisers_do(cara, waiting, method, path):
    path = path.replace("/1/", f"/{waiting['handover_id']}/").replace("/1", f"/{waiting['handover_id']}")
    if "/api/" in path:
        response = cara.client.open(path, method=method, json={"text": "hi", "outcome": "resolved", "to": "queue"},
                                    headers={"X-CSRFToken": cara.csrf})
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "forbidden"
    else:
        response = cara.client.open(path, method=method,
                                    data={"csrf_token": cara.csrf, "text": "hi", "outcome": "resolved"})
        assert response.status_code == 403
        assert "Your role does not allow that" in response.get_data(as_text=True)


def test_a_content_editor_lands_on_the_review_and_takes_no_chats(app, client, cara, alice, waiting):
    response = cara.get("/console/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/console/review")
    page = cara.get("/console/review").get_data(as_text=True)
    assert "Claim" not in page and "Available" not in page and "socket.io" not in page
    socket = cara.socket()
    assert not socket.is_connected("/advisers")  # no live queue, no customer details pushed to them
    with app.app_context():
        from bot.console.sessions import advisers_online

        assert advisers_online() == 1  # alice; cara signed in but never counts as someone to wait for
    assert cara.get(f"/console/handovers/{waiting['handover_id']}").status_code == 403


def test_a_supervisor_cannot_give_a_chat_to_a_content_editor(app, alice, sue, cara, waiting):
    handover = waiting["handover_id"]
    alice.api(f"/console/api/handovers/{handover}/claim")
    names = [a["display_name"] for a in sue.get("/console/api/advisers").get_json()["advisers"]]
    assert "Cara" not in names
    cara_id = cara.get("/console/api/me").get_json()["id"]
    answer = sue.api(f"/console/api/handovers/{handover}/reassign", {"to": cara_id})
    assert answer.status_code == 400


@pytest.mark.parametrize("path", ["/console/review", "/console/insights", "/console/insights.csv"])
def test_advisers_do_not_see_the_review_but_supervisors_do(alice, sue, path):
    assert alice.get(path).status_code == 403
    assert sue.get(path).status_code == 200
