"""Issue 8 (3): bad input on every entry point is a 4xx or a clear message — never a 500 or a stack
trace — and the next normal message works.

Entry points: the REST front door, the customer socket events, the handover and callback API
(action server → hub), the adviser console's forms and JSON, and the portal's service API. Each
gets the same corpus: a 1 MB body, a body that is not JSON, missing and wrongly typed fields,
control characters and 10,000 emoji. Flask test clients run the real apps (real database,
real validation); `test_stack_security.py` repeats the worst of it over real HTTP.
"""

from __future__ import annotations

import json

import pytest

from tests.console.conftest import (
    HUB_TOKEN,
    Adviser,
    hand_over,
    start_conversation,
)
from tests.hub.conftest import socket_client
from tests.security.conftest import hub_with_advisers

MEGABYTE = "x" * (1024 * 1024)
EMOJI = "😀" * 10_000
CONTROL = "hi\x00\x01\x02\x1b[31m\x7f there"
# (name, body, content type): sent raw, so the body can be anything at all
BODIES = [
    ("1 MB of JSON", json.dumps({"message": MEGABYTE}), "application/json"),
    ("1 MB not JSON", MEGABYTE, "application/octet-stream"),
    ("not JSON", "message=hello", "application/x-www-form-urlencoded"),
    ("broken JSON", '{"message": "hi"', "application/json"),
    ("a JSON list", '["hi"]', "application/json"),
    ("a JSON string", '"hi"', "application/json"),
    ("null", "null", "application/json"),
    ("empty", "", "application/json"),
    ("missing fields", "{}", "application/json"),
    ("wrong types", json.dumps({"message": 5, "sender": ["x"], "metadata": "page"}), "application/json"),
    ("nested junk", json.dumps({"message": {"text": "hi"}, "metadata": {"page": 7, "error_code": [1]}}),
     "application/json"),
    ("control characters", json.dumps({"message": CONTROL + "\x00" * 50}), "application/json"),
    ("10,000 emoji", json.dumps({"message": EMOJI}), "application/json"),
    ("invalid UTF-8", b'{"message": "\xff\xfe\xfa"}', "application/json"),
]
BODY_IDS = [name for name, _, _ in BODIES]


def refused_clearly(response) -> None:
    """A 4xx with a JSON error that says what is wrong, and no stack trace."""
    text = response.get_data(as_text=True)
    assert 400 <= response.status_code < 500, f"{response.status_code}: {text[:300]}"
    assert "Traceback" not in text and 'File "' not in text
    body = response.get_json(silent=True)
    assert isinstance(body, dict) and body.get("error"), text[:300]


def answered_or_refused(response) -> None:
    """Either handled (2xx) or refused clearly: never a 500 or a stack trace."""
    text = response.get_data(as_text=True)
    assert response.status_code < 500, f"{response.status_code}: {text[:300]}"
    assert "Traceback" not in text and 'File "' not in text
    if response.status_code >= 400:
        refused_clearly(response)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """One hub for the module (each test starts conversations of its own, so limits don't add up)."""
    return hub_with_advisers(tmp_path_factory.mktemp("bad-input"))


@pytest.fixture
def fresh_app(tmp_path):
    """A hub of its own: failed sign-ins count towards the sign-in throttle."""
    return hub_with_advisers(tmp_path)


# -- the REST front door ---------------------------------------------------------------


@pytest.mark.parametrize(("name", "body", "content_type"), BODIES, ids=BODY_IDS)
def test_rest_front_door(app, client, name, body, content_type):
    sender = start_conversation(client, "hello")
    if isinstance(body, str) and body.startswith("{") and '"sender"' not in body and name != "broken JSON":
        body = json.dumps({**json.loads(body), "sender": sender})
    response = client.post("/webhooks/rest/webhook", data=body, content_type=content_type)
    if name == "control characters":
        assert response.status_code == 200  # the control characters are dropped, the words kept
        assert app.extensions["wayfinder.assistant"].sent[-1]["text"] == "hi[31m there"
    else:
        refused_clearly(response)
    after = client.post("/webhooks/rest/webhook", json={"sender": sender, "message": "and now normally"})
    assert after.status_code == 200
    assert after.get_json()[0]["recipient_id"] == sender
    assert after.get_json()[0]["text"] == "you said: and now normally"


def test_ten_thousand_emoji_are_refused_with_a_message_the_customer_can_act_on(client):
    body = json.dumps({"message": EMOJI}, ensure_ascii=False).encode()  # 40 kB as UTF-8: under the body limit
    response = client.post("/webhooks/rest/webhook", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "shorten it" in response.get_json()["error"]["message"]


# -- the customer's socket ------------------------------------------------------------------

SOCKET_PAYLOADS = [
    None, "hello", 7, ["hi"], {}, {"message": 5}, {"message": None}, {"message": ["a"]},
    {"message": {"text": "hi"}}, {"message": EMOJI}, {"message": MEGABYTE},
    {"message": "hi", "metadata": "page"}, {"message": "hi", "metadata": {"page": 7}},
    {"message": "hi", "customData": {"error_code": "<script>"}}, {"message": "hi", "client_id": {"x": 1}},
    {"session_id": 12, "message": "hi"},
]
# fields the handlers would otherwise ignore, far beyond any real event: refused as too large
OVERSIZED = [
    {"message": "hi", "page": "/council-tax/pay", "metadata": {"page": "/council-tax/pay", "note": MEGABYTE}},
    {"message": "hi", "session_id": MEGABYTE, "client_id": MEGABYTE, "page": "/council-tax/pay"},
]
SOCKET_PAYLOADS += OVERSIZED


@pytest.mark.parametrize("event", ["session_request", "user_uttered", "page_view", "history_request", "back_to_assistant"])
@pytest.mark.parametrize("payload", SOCKET_PAYLOADS, ids=[repr(p)[:30] for p in SOCKET_PAYLOADS])
def test_socket_events(app, event, payload):
    sock = socket_client(app)
    first = sock.emit("session_request", {}, callback=True)
    assert first["ok"]
    ack = sock.emit(event, payload, callback=True)
    assert isinstance(ack, dict), f"{event} gave no acknowledgement"
    if payload in OVERSIZED and event in ("user_uttered", "page_view"):
        assert ack["ok"] is False and ack["error"] == "too_large", ack
    if not ack["ok"]:
        assert ack["error"] and isinstance(ack["error"], str)
        if event == "user_uttered":  # the customer is told why, in the chat
            notices = [e["args"][0] for e in sock.get_received() if e["name"] == "bot_uttered"]
            assert notices and notices[-1]["text"]
    sock.get_received()
    again = sock.emit("user_uttered", {"message": "and now normally"}, callback=True)
    assert again["ok"], again
    replies = [e["args"][0]["text"] for e in sock.get_received() if e["name"] == "bot_uttered"]
    assert "you said: and now normally" in replies
    sock.disconnect()


def test_control_characters_on_the_socket_are_dropped_and_the_words_kept(app):
    sock = socket_client(app)
    sock.emit("session_request", {}, callback=True)
    assert sock.emit("user_uttered", {"message": CONTROL}, callback=True)["ok"]
    assert app.extensions["wayfinder.assistant"].sent[-1]["text"] == "hi[31m there"


# -- the handover and callback API (action server → hub) -----------------------------------


@pytest.mark.parametrize("path", ["/api/handovers", "/api/callbacks"])
@pytest.mark.parametrize(("name", "body", "content_type"), BODIES, ids=BODY_IDS)
def test_handover_api(client, path, name, body, content_type):
    headers = {"Authorization": f"Bearer {HUB_TOKEN}"}
    response = client.post(path, data=body, content_type=content_type, headers=headers)
    refused_clearly(response)
    conversation = start_conversation(client)
    assert hand_over(client, conversation).status_code in (200, 201)


@pytest.mark.parametrize("field", ["reason", "goal", "pages_visited", "error_codes", "tried", "identity_verified",
                                   "customer_words", "failure_details", "step_reached"])
@pytest.mark.parametrize("junk", [5, EMOJI, CONTROL * 3, ["x"] * 500, [["x"]], {"a": 1}, None, True],
                         ids=["number", "emoji", "control", "long list", "nested list", "object", "null", "bool"])
def test_handover_summary_fields(client, field, junk):
    conversation = start_conversation(client)
    response = hand_over(client, conversation, **{field: junk})
    answered_or_refused(response)
    if response.status_code == 400:
        assert field in response.get_json()["error"]["fields"]
    assert hand_over(client, conversation).status_code in (200, 201)


def test_the_customers_way_back_refuses_junk(client):
    for headers in ({}, {"Authorization": "Bearer " + EMOJI[:100]}, {"Authorization": "Basic x"}):
        refused_clearly(client.post("/api/conversation/back-to-assistant", data=MEGABYTE, headers=headers))


# -- the adviser console -----------------------------------------------------------------------


@pytest.mark.parametrize(("username", "password"), [
    ("", ""), ("a" * 5000, "b"), (EMOJI, EMOJI), (CONTROL, CONTROL), ("alice", "x" * 100_000),
])
def test_console_sign_in_form(fresh_app, username, password):
    from tests.console.conftest import csrf_token

    client = fresh_app.test_client()
    token = csrf_token(client)
    response = client.post("/console/login", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code in (200, 400, 413, 429), response.status_code
    text = response.get_data(as_text=True)
    assert "Traceback" not in text
    if response.status_code == 200:
        assert "Enter your username" in text or "don&#39;t match" in text


def test_console_sign_in_with_a_megabyte_body_is_refused(client):
    response = client.post("/console/login", data=MEGABYTE, content_type="application/x-www-form-urlencoded")
    assert response.status_code in (400, 413)
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.parametrize("text", ["", EMOJI, CONTROL, MEGABYTE], ids=["empty", "emoji", "control", "1 MB"])
def test_console_reply_form(app, client, text):
    alice = Adviser(app, "alice")
    conversation = start_conversation(client)
    handover = hand_over(client, conversation).get_json()["handover_id"]
    assert alice.form(f"/console/handovers/{handover}/claim").status_code == 302
    response = alice.form(f"/console/handovers/{handover}/reply", text=text)
    assert response.status_code in (302, 400, 413)
    page = alice.get(f"/console/handovers/{handover}").get_data(as_text=True)
    if text != CONTROL:
        assert response.status_code != 302 or "Write a reply of up to 2,000 characters." in page
    assert alice.form(f"/console/handovers/{handover}/reply", text="Hello, I'm Alice").status_code == 302
    assert "Hello, I&#39;m Alice" in alice.get(f"/console/handovers/{handover}").get_data(as_text=True)


@pytest.mark.parametrize(("name", "body", "content_type"), BODIES, ids=BODY_IDS)
def test_console_json(app, client, name, body, content_type):
    alice = Adviser(app, "alice")
    conversation = start_conversation(client)
    handover = hand_over(client, conversation).get_json()["handover_id"]
    assert alice.api(f"/console/api/handovers/{handover}/claim").status_code == 200
    response = alice.client.post(f"/console/api/handovers/{handover}/reply", data=body, content_type=content_type,
                                 headers={"X-CSRFToken": alice.csrf})
    refused_clearly(response)
    assert alice.api(f"/console/api/handovers/{handover}/reply", {"text": "still here"}).status_code == 201


# -- the portal's service API ------------------------------------------------------------------


@pytest.fixture
def portal(tmp_path):
    from demo_portal import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "bad-input", "PORTAL_TOKEN": "portal-token",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'portal.db'}"})
    return app.test_client()


@pytest.mark.parametrize("path", ["/api/identity/check", "/api/services/pay_council_tax/transactions",
                                  "/api/faults"])
@pytest.mark.parametrize(("name", "body", "content_type"), BODIES, ids=BODY_IDS)
def test_portal_api(portal, path, name, body, content_type):
    response = portal.post(path, data=body, content_type=content_type,
                           headers={"Authorization": "Bearer portal-token"})
    answered_or_refused(response)
    if path != "/api/services/pay_council_tax/transactions":
        refused_clearly(response)
    check = portal.post("/api/identity/check", json={"account_reference": "10000001", "postcode": "RV1 1AA"})
    assert check.status_code == 200 and check.get_json()["verified"] is True


@pytest.mark.parametrize("service", [EMOJI[:200], "x" * 5000, "%00", "..%2F..%2Fetc"])
def test_portal_api_unknown_services(portal, service):
    refused_clearly(portal.get(f"/api/services/{service}/status"))
    refused_clearly(portal.post(f"/api/services/{service}/transactions", json={}))


CONSOLE_FIELDS = {
    "reply": ["text"], "handback": ["step", "note"], "resolve": ["outcome", "note"], "reassign": ["to"],
}
JUNK = {"number": 5, "huge number": 10**30, "list": ["x"], "object": {"a": 1}, "emoji": EMOJI, "control": CONTROL,
        "bool": True, "null": None}


@pytest.mark.parametrize("action", CONSOLE_FIELDS)
@pytest.mark.parametrize("junk", JUNK, ids=list(JUNK))
def test_console_json_fields(app, client, action, junk):
    sue = Adviser(app, "sue")  # a supervisor: every action is hers to take
    conversation = start_conversation(client)
    handover = hand_over(client, conversation).get_json()["handover_id"]
    assert sue.api(f"/console/api/handovers/{handover}/claim").status_code == 200
    for field in CONSOLE_FIELDS[action]:
        answered_or_refused(sue.api(f"/console/api/handovers/{handover}/{action}", {field: JUNK[junk]}))
    answered_or_refused(sue.api("/console/api/availability", {"available": JUNK[junk]}))


@pytest.mark.parametrize("number", ["0", "99999999999999999999999999", "-1"])
def test_console_ids_out_of_range(app, client, number):
    alice = Adviser(app, "alice")
    for path in (f"/console/api/handovers/{number}", f"/console/handovers/{number}"):
        response = alice.get(path)
        assert response.status_code in (400, 404), (path, response.status_code)
        assert "Traceback" not in response.get_data(as_text=True)
    answered_or_refused(alice.api(f"/console/api/handovers/{number}/claim"))
