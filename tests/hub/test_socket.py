"""The Socket.IO front door with Flask-SocketIO's test client: ids, origins, redaction, limits, page views."""

from __future__ import annotations

import time

import pytest
from limits import parse_many

from bot.hub.rasa_client import RasaClient
from bot.hub.store import Conversation, Message, db
from tests.hub.conftest import make_app, socket_client
from tests.support.http_server import ScriptedServer, json_answer, slow_answer


def events(client, name):
    return [e["args"][0] for e in client.get_received() if e["name"] == name]


def start(client, session_id=None):
    """session_request → the id from session_confirm (and the ack agrees)."""
    ack = client.emit("session_request", {"session_id": session_id}, callback=True)
    received = client.get_received()
    confirms = [e["args"][0] for e in received if e["name"] == "session_confirm"]
    assert ack["ok"] and confirms == [{"session_id": ack["session_id"]}]
    talking = [e["args"][0] for e in received if e["name"] == "talking_to"]
    assert talking == [{"kind": "assistant", "name": None}]
    return ack["session_id"]


def say(client, text, **extra):
    return client.emit("user_uttered", {"message": text, **extra}, callback=True)


# -- ids -------------------------------------------------------------------------------


def test_a_new_visitor_gets_a_signed_id_from_the_hub(sock, app):
    session_id = start(sock)
    assert "." in session_id
    with app.app_context():
        assert db.session.get(Conversation, session_id).channel == "socket"


@pytest.mark.parametrize("forged", ["alex", "0" * 32 + ".forged", "x" * 500, 42, None])
def test_a_session_id_the_hub_did_not_issue_is_replaced(sock, forged):
    assert start(sock, forged) != forged


def test_an_issued_id_resumes_the_same_conversation_on_the_next_page(app):
    first = socket_client(app)
    session_id = start(first)
    say(first, "hi")
    first.disconnect()
    second = socket_client(app)  # the next page load
    assert start(second, session_id) == session_id
    history = second.emit("history_request", {}, callback=True)
    assert [m["text"] for m in history["messages"]] == ["hi", "you said: hi", "pick one"]


def test_the_rest_front_door_and_the_socket_share_ids(app, client, sock):
    rest_id = client.post("/webhooks/rest/webhook", json={"message": "hi"}).get_json()[0]["recipient_id"]
    assert start(sock, rest_id) == rest_id


def test_user_uttered_cannot_write_to_someone_elses_conversation(app, assistant):
    victim = socket_client(app)
    victim_id = start(victim)
    attacker = socket_client(app)
    attacker_id = start(attacker)
    say(attacker, "hello", session_id=victim_id)
    assert assistant.sent[-1]["sender"] == attacker_id
    assert events(victim, "bot_uttered") == []


def test_user_uttered_without_session_request_binds_a_new_conversation(sock, assistant):
    ack = say(sock, "hi", session_id="made-up")
    confirms = events(sock, "session_confirm")
    assert ack["ok"] and confirms and confirms[0]["session_id"] != "made-up"
    assert assistant.sent[0]["sender"] == confirms[0]["session_id"]


def test_history_needs_a_session(sock):
    assert sock.emit("history_request", {}, callback=True)["error"] == "no_session"
    assert sock.emit("page_view", {"page": "/"}, callback=True)["error"] == "no_session"


# -- origins ---------------------------------------------------------------------------


def test_a_page_from_another_origin_cannot_connect(app):
    assert not socket_client(app, origin="https://evil.example").is_connected()


def test_allowed_origins_and_non_browser_clients_connect(app):
    assert socket_client(app, origin="https://council.example").is_connected()
    assert socket_client(app, origin=None).is_connected()


def test_the_transport_refuses_other_origins_too(client):
    """Engine.IO's own check, before any handler: a polling handshake from another origin gets 400."""
    path = "/socket.io/?EIO=4&transport=polling"
    assert client.get(path, headers={"Origin": "https://evil.example"}).status_code == 400
    allowed = client.get(path, headers={"Origin": "https://council.example"})
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://council.example"


# -- messages --------------------------------------------------------------------------


def test_a_message_is_answered_in_rasas_socket_shape(sock, assistant):
    session_id = start(sock)
    ack = say(sock, "hi", session_id=session_id, metadata={"page": "/bins/missed", "error_code": None})
    assert ack["ok"] and ack["message"]["text"] == "hi" and ack["message"]["sender"] == "customer"
    uttered = events(sock, "bot_uttered")
    assert [u["text"] for u in uttered] == ["you said: hi", "pick one"]
    assert uttered[1]["quick_replies"] == [{"content_type": "text", "title": "Yes", "payload": "/affirm"}]
    assert all(u["sender"] == "bot" and u["id"] and u["created_at"] for u in uttered)
    assert assistant.sent[0]["metadata"] == {"page": "/bins/missed"}


def test_rasa_webchat_custom_data_is_accepted_as_metadata(sock, assistant):
    start(sock)
    say(sock, "hi", customData={"page": "/council-tax/pay", "language": "en"})
    assert assistant.sent[0]["metadata"] == {"page": "/council-tax/pay"}


def test_a_quick_reply_is_kept_as_its_title(sock, app):
    session_id = start(sock)
    say(sock, "hi")
    ack = say(sock, "/affirm")
    assert ack["message"]["text"] == "Yes"
    history = sock.emit("history_request", {}, callback=True)["messages"]
    assert [m["text"] for m in history if m["sender"] == "customer"] == ["hi", "Yes"]
    with app.app_context():
        stored = Message.query.filter_by(conversation_id=session_id, sender="customer").all()
        assert [m.text for m in stored] == ["hi", "/affirm"]


def test_a_resent_message_is_handled_once(sock, assistant, app):
    session_id = start(sock)
    first = say(sock, "my bin was missed", client_id="c-0123456789")
    again = say(sock, "my bin was missed", client_id="c-0123456789")
    assert first["message"]["id"] == again["message"]["id"]
    assert len(assistant.sent) == 1
    with app.app_context():
        assert Message.query.filter_by(conversation_id=session_id, sender="customer").count() == 1


def test_card_numbers_and_passwords_are_removed_and_the_customer_is_told(sock, assistant, app):
    session_id = start(sock)
    ack = say(sock, "card 4242 4242 4242 4242 and my password is Hunter22!")
    assert "4242 4242" not in ack["message"]["text"] and "Hunter22" not in ack["message"]["text"]
    uttered = events(sock, "bot_uttered")
    assert uttered[0]["sender"] == "system" and uttered[0]["custom"] == {"notice": "redacted"}
    assert "don't share" in uttered[0]["text"]
    assert "4242 4242" not in assistant.sent[0]["text"]
    with app.app_context():
        stored = " ".join(m.text or "" for m in Message.query.filter_by(conversation_id=session_id))
    assert "4242" not in stored and "Hunter22" not in stored


def test_a_message_over_2000_characters_gets_a_clear_notice_and_the_chat_goes_on(sock, assistant):
    start(sock)
    ack = say(sock, "x" * 2001)
    assert ack == {"ok": False, "error": "message_too_long", "message": ack["message"]}
    notice = events(sock, "bot_uttered")
    assert notice[0]["custom"] == {"notice": "message_too_long"} and "2,000" in notice[0]["text"]
    assert assistant.sent == []
    assert say(sock, "x" * 2000)["ok"]


@pytest.mark.parametrize("payload", ["just text", {"message": 5}, {"message": "  "},
                                     {"message": "hi", "metadata": {"error_code": "<img>"}}])
def test_bad_messages_are_refused_with_a_reason(sock, payload):
    start(sock)
    ack = sock.emit("user_uttered", payload, callback=True)
    assert ack["ok"] is False and ack["message"]


def test_assistant_down_gives_an_apology_keeps_the_message_and_recovers(sock, assistant, app):
    session_id = start(sock)
    assistant.fail = True
    assert say(sock, "hello?")["ok"]
    apology = events(sock, "bot_uttered")
    assert apology[0]["custom"] == {"notice": "assistant_unavailable"} and "01632 960 000" in apology[0]["text"]
    assistant.fail = False
    say(sock, "hello again")
    assert events(sock, "bot_uttered")[0]["text"] == "you said: hello again"
    with app.app_context():
        kept = [m.text for m in Message.query.filter_by(conversation_id=session_id, sender="customer")]
    assert kept == ["hello?", "hello again"]


def test_rasa_not_answering_in_time_gives_an_apology_within_the_timeout(tmp_path):
    route = {"/webhooks/hub/webhook": slow_answer(3, 200, [{"text": "too late"}])}
    with ScriptedServer(route) as rasa:
        app = make_app(tmp_path, RasaClient(rasa.url, timeout=0.5))
        sock = socket_client(app)
        start(sock)
        began = time.monotonic()
        assert say(sock, "hi")["ok"]
        assert time.monotonic() - began < 2.5
        assert events(sock, "bot_uttered")[0]["custom"] == {"notice": "assistant_unavailable"}
        route["/webhooks/hub/webhook"] = json_answer(200, [{"recipient_id": "x", "text": "Hello!"}])
        say(sock, "hi again")
        assert [u["text"] for u in events(sock, "bot_uttered")] == ["Hello!"]


# -- rate limits -----------------------------------------------------------------------


def test_too_many_messages_get_a_notice_on_the_socket_and_429_on_rest(tmp_path, assistant):
    app = make_app(tmp_path, assistant, WAYFINDER_RATE_LIMIT="3/minute")
    sock = socket_client(app)
    session_id = start(sock)
    assert all(say(sock, f"message {n}")["ok"] for n in range(3))
    events(sock, "bot_uttered")
    refused = say(sock, "one too many")
    assert refused["error"] == "rate_limited" and 0 < refused["retry_after"] <= 60
    assert events(sock, "bot_uttered")[0]["custom"] == {"notice": "rate_limited", "retry_after": refused["retry_after"]}
    assert len(assistant.sent) == 3
    rest = app.test_client().post("/webhooks/rest/webhook", json={"sender": session_id, "message": "and again"})
    assert rest.status_code == 429
    assert rest.get_json()["error"]["code"] == "rate_limited"
    assert int(rest.headers["Retry-After"]) > 0
    other = socket_client(app)  # another conversation is not affected
    start(other)
    assert say(other, "hi")["ok"]


def test_page_views_have_a_limit_of_their_own(app, sock, assistant):
    app.extensions["wayfinder.router"].limits.items["page_view"] = parse_many("2/minute")
    start(sock)
    acks = [sock.emit("page_view", {"page": f"/page/{n}"}, callback=True) for n in range(3)]
    assert [a["ok"] for a in acks] == [True, True, False] and acks[2]["error"] == "rate_limited"
    assert say(sock, "still fine")["ok"]


# -- page views and step-through -------------------------------------------------------


def test_a_page_view_outside_a_step_through_is_remembered_but_not_sent_to_the_bot(sock, assistant, app):
    session_id = start(sock)
    ack = sock.emit("page_view", {"page": "/council-tax/pay/verify", "error_code": "CARD_DECLINED"}, callback=True)
    assert ack == {"ok": True, "answered": 0}
    assert assistant.triggered == []
    with app.app_context():
        conversation = db.session.get(Conversation, session_id)
        assert (conversation.last_page, conversation.last_error_code) == ("/council-tax/pay/verify", "CARD_DECLINED")


def test_a_page_view_during_a_step_through_reaches_the_bot_as_external_page_changed(sock, assistant):
    session_id = start(sock)
    assistant.replies = [{"text": "Type your reference in the box I've outlined."},
                         {"custom": {"highlight": "#account-reference", "step": "account"}}]
    say(sock, "step me through it")
    highlight = events(sock, "bot_uttered")[-1]
    assert highlight["custom"] == {"highlight": "#account-reference", "step": "account"}
    ack = sock.emit("page_view", {"page": "/council-tax/pay/amount", "error_code": "AMOUNT_TOO_HIGH"}, callback=True)
    assert ack == {"ok": True, "answered": 1}
    assert assistant.triggered == [{"sender": session_id, "intent": "EXTERNAL_page_changed",
                                    "entities": {"page": "/council-tax/pay/amount", "error_code": "AMOUNT_TOO_HIGH"}}]
    assert [u["text"] for u in events(sock, "bot_uttered")] == ["You're on the next page now."]


def test_the_step_through_ends_with_a_custom_payload_without_a_highlight(sock, assistant):
    start(sock)
    assistant.replies = [{"custom": {"highlight": "#postcode"}}]
    say(sock, "step me through")
    assistant.replies = [{"text": "All done!"}, {"custom": {"highlight": None}}]
    say(sock, "done")
    sock.emit("page_view", {"page": "/bins/missed/confirmation"}, callback=True)
    assert assistant.triggered == []


@pytest.mark.parametrize("page", [None, "", 5, "/" + "x" * 600])
def test_a_bad_page_view_is_refused(sock, page):
    start(sock)
    assert sock.emit("page_view", {"page": page}, callback=True)["ok"] is False


# -- history and handover --------------------------------------------------------------


def test_history_over_http_only_for_the_holder_of_the_signed_id(client):
    session_id = client.post("/webhooks/rest/webhook", json={"message": "hi"}).get_json()[0]["recipient_id"]
    ok = client.get("/api/conversation/history", headers={"Authorization": f"Bearer {session_id}"})
    assert ok.status_code == 200
    assert [m["text"] for m in ok.get_json()["messages"]] == ["hi", "you said: hi", "pick one"]
    random_part = session_id.split(".")[0]
    for header in ({}, {"Authorization": f"Bearer {random_part}.forged"}, {"Authorization": session_id}):
        assert client.get("/api/conversation/history", headers=header).status_code == 404


def test_after_a_handover_the_bot_is_quiet_and_an_adviser_reaches_the_widget(sock, assistant, app):
    session_id = start(sock)
    with app.app_context():
        conversation = db.session.get(Conversation, session_id)
        conversation.handled_by = "adviser"
        db.session.commit()
    assert say(sock, "is anyone there?")["ok"]
    assert assistant.sent == [] and events(sock, "bot_uttered") == []
    with app.test_request_context():
        router = app.extensions["wayfinder.router"]
        router.deliver(db.session.get(Conversation, session_id), "adviser", "Hi, I'm Priya.", {"sender_name": "Priya"})
    received = sock.get_received()
    uttered = [e["args"][0] for e in received if e["name"] == "bot_uttered"]
    assert uttered[0]["sender"] == "adviser" and uttered[0]["sender_name"] == "Priya"
    assert {"kind": "adviser", "name": "Priya"} in [e["args"][0] for e in received if e["name"] == "talking_to"]


# -- the widget's files ----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/webchat/wayfinder.js", "/webchat/chat.js", "/webchat/strings.js",
                                  "/webchat/markdown.js", "/webchat/page.js", "/webchat/view.js",
                                  "/webchat/wayfinder.css",
                                  "/webchat/vendor/socket.io.min.js"])
def test_the_widget_files_are_served(client, path):
    response = client.get(path)
    assert response.status_code == 200, "run `make setup` (npm ci in webchat/)"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == ("text/css" if path.endswith(".css") else "text/javascript")


@pytest.mark.parametrize("path", ["/webchat/package.json", "/webchat/../bot/config.py", "/webchat/vendor/package.json"])
def test_nothing_else_is_served_from_webchat(client, path):
    assert client.get(path).status_code == 404
