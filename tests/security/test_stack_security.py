"""Issue 8 (3, 6, 9) on the real stack, started as `make run` starts it (`wayfinder run`, ports 22100-22155):

- (6) Rasa's HTTP API refuses calls without its token, the action server refuses calls without
  its own (only Rasa has it), and both listen on 127.0.0.1 only;
- (9) after a scripted conversation full of card numbers, security codes and passwords — over
  REST, in a handover summary, shown in the console — none of them is in any file of the data
  directory: the hub store, Rasa's tracker store, the portal's store and the log of all four
  processes;
- (3) the worst bad input over real HTTP through gunicorn and Sanic: 1 MB bodies, not JSON, and
  a 1 MB message on the customer socket (polling and websocket).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests
import socketio

from tests.support.stack import running_stack, stack_processes

pytestmark = pytest.mark.stack
PORTS = {"HUB": 22100, "PORTAL": 22101, "RASA": 22105, "ACTIONS": 22155}
ADVISER_PASSWORD = "test-wayfinder_adviser_password"  # what running_stack sets
MEGABYTE = "x" * (1024 * 1024)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with running_stack(PORTS, tmp_path_factory.mktemp("security"), {"WAYFINDER_OPENING_HOURS": "always"}) as running:
        yield running


def say(stack, text: str, sender: str | None = None) -> tuple[str, list[dict]]:
    body = {"message": text, **({"sender": sender} if sender else {})}
    response = requests.post(f"{stack['hub']}/webhooks/rest/webhook", json=body, timeout=60)
    assert response.status_code == 200, response.text
    replies = response.json()
    return (replies[0]["recipient_id"] if replies else sender), replies


# -- (6) Rasa and the action server --------------------------------------------------------------


def _listening(port: int) -> set[str]:
    """The local addresses with a socket listening on `port` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].rsplit(":", 1)
            if int(port_hex, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                found.add(address)
    return found


@pytest.mark.parametrize("part", ["RASA", "ACTIONS"])
def test_rasa_and_the_action_server_listen_on_127_0_0_1_only(stack, part):
    assert _listening(PORTS[part]) == {"0100007F"}  # 127.0.0.1, and no 0.0.0.0 or IPv6 listener


@pytest.mark.parametrize("path", ["/status", "/conversations/anyone/tracker", "/model/parse"])
def test_rasa_http_api_needs_its_token(stack, path):
    conversation, _ = say(stack, "hello")
    path = path.replace("anyone", conversation)
    for params in ({}, {"token": "wrong"}, {"token": stack["env"]["WAYFINDER_HUB_TOKEN"]}):
        method = requests.post if path == "/model/parse" else requests.get
        refused = method(f"{stack['rasa']}{path}", params=params, json={"text": "hi"}, timeout=10)
        assert refused.status_code in (401, 403), (path, params, refused.status_code)
    allowed = requests.get(f"{stack['rasa']}/conversations/{conversation}/tracker",
                           params={"token": stack["env"]["WAYFINDER_RASA_TOKEN"]}, timeout=10)
    assert allowed.status_code == 200 and allowed.json()["sender_id"] == conversation


def test_rasas_token_is_on_no_command_line_any_local_user_can_read(stack):
    assert stack_processes(stack, r"bot\.rasa_run run --enable-api")  # Rasa is running, started by the stack
    assert stack_processes(stack, re.escape(stack["env"]["WAYFINDER_RASA_TOKEN"])) == []  # as `ps` would show


def test_the_action_server_answers_only_with_its_token(stack):
    call = {"next_action": "action_check_service_status", "sender_id": "x", "version": "3.6.21",
            "tracker": {"sender_id": "x", "slots": {"service": "pay_council_tax"}, "events": [],
                        "latest_message": {}, "active_loop": {}}, "domain": {}}
    for params in ({}, {"token": "wrong"}, {"token": stack["env"]["WAYFINDER_RASA_TOKEN"]}):
        refused = requests.post(f"{stack['actions']}/webhook", params=params, json=call, timeout=10)
        assert refused.status_code == 401, (params, refused.status_code)
    for path in ("/actions", "/webhook"):
        assert requests.get(f"{stack['actions']}{path}", timeout=10).status_code == 401
    assert requests.get(f"{stack['actions']}/health", timeout=10).status_code == 200  # the hub's probe
    # Rasa holds the token: a goal that needs the action server (and the service API) is answered
    _, replies = say(stack, "i want to pay my council tax")
    assert "working normally" in " ".join(r.get("text") or "" for r in replies)


# -- (3) bad input over real HTTP ------------------------------------------------------------------


def test_bad_bodies_over_real_http_are_clear_4xx_and_the_next_message_works(stack):
    conversation, _ = say(stack, "hello")
    for body, content_type in ((MEGABYTE, "application/json"), ("not json", "text/plain"),
                               ('{"message": ', "application/json"), ('{"message": 7}', "application/json")):
        response = requests.post(f"{stack['hub']}/webhooks/rest/webhook", data=body, timeout=30,
                                 headers={"Content-Type": content_type})
        assert 400 <= response.status_code < 500 and response.json()["error"]["message"], response.text[:200]
    big = requests.post(f"{stack['rasa']}/webhooks/rest/webhook", data='{"message": "' + MEGABYTE * 2 + '"}',
                        params={"token": stack["env"]["WAYFINDER_RASA_TOKEN"]}, timeout=30,
                        headers={"Content-Type": "application/json"})
    assert big.status_code == 413  # Sanic's 100 MB default is down to 1 MB
    same, replies = say(stack, "thanks", conversation)
    assert same == conversation and replies


@pytest.mark.parametrize("transport", ["polling", "websocket"])
def test_a_megabyte_on_the_socket_gets_a_clear_notice_and_the_next_message_works(stack, transport):
    said = []
    client = socketio.Client(reconnection=False)  # no Origin: a non-browser client, allowed
    client.on("bot_uttered", said.append)
    client.connect(stack["hub"], transports=[transport], wait_timeout=20)
    try:
        session = client.call("session_request", {}, timeout=20)["session_id"]
        ack = client.call("user_uttered", {"message": MEGABYTE, "session_id": session}, timeout=30)
        assert ack["ok"] is False and ack["error"] == "message_too_long", ack
        assert said[-1]["custom"] == {"notice": "message_too_long"} and "shorten it" in said[-1]["text"]
        ack = client.call("user_uttered", {"message": "hello", "session_id": session}, timeout=60)
        assert ack["ok"] and client.connected and client.transport() == transport
        assert said[-1]["sender"] == "bot" and said[-1]["text"], said[-1]
    finally:
        client.disconnect()


# -- (9) card numbers, security codes and passwords ------------------------------------------------

SECRETS = {
    "4111 1111 1111 1111": ["4111111111111111", "4111 1111 1111 1111"],
    "5500-0000-0000-0004": ["5500000000000004", "5500-0000-0000-0004"],
    "378282246310005": ["378282246310005"],
    "cvv is 737": ["737"],
    "password is Riverside!2024": ["Riverside!2024"],
    "my pwd: Tr0ub4dor&3": ["Tr0ub4dor&3"],
}
SAID = [
    "i want to pay my council tax but my card 4111 1111 1111 1111 keeps getting declined",
    "the other card is 5500-0000-0000-0004 and the cvv is 737",
    "amex 378282246310005",
    "I can't sign in, my password is Riverside!2024",
    "my pwd: Tr0ub4dor&3",
    "I want to talk to a real person please",
]


def _adviser(stack) -> tuple[requests.Session, str]:
    session = requests.Session()
    page = session.get(f"{stack['hub']}/console/login", timeout=10).text
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    signed_in = session.post(f"{stack['hub']}/console/login", timeout=10, allow_redirects=False,
                             data={"username": "adviser", "password": ADVISER_PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302
    queue = session.get(f"{stack['hub']}/console/", timeout=10).text  # the console is open: online
    return session, re.search(r'<meta name="csrf-token" content="([^"]+)"', queue).group(1)


def test_card_numbers_codes_and_passwords_are_kept_nowhere(stack):
    adviser, csrf = _adviser(stack)
    conversation = None
    for text in SAID:
        conversation, _ = say(stack, text, conversation)
    shown = " ".join(m["text"] or "" for m in requests.get(
        f"{stack['hub']}/api/conversation/history", headers={"Authorization": f"Bearer {conversation}"},
        timeout=10).json()["messages"])
    assert "[card number removed]" in shown and "[password removed]" in shown
    assert "removed a card number" in shown  # the customer is told why
    queued = adviser.get(f"{stack['hub']}/console/api/handovers", timeout=10).json()["handovers"]
    handover = next(h for h in queued if h["reference"] == conversation[:8])
    claimed = adviser.post(f"{stack['hub']}/console/api/handovers/{handover['id']}/claim", json={},
                           headers={"X-CSRFToken": csrf}, timeout=10)
    assert claimed.status_code == 200, claimed.text
    page = adviser.get(f"{stack['hub']}/console/handovers/{handover['id']}", timeout=10).text
    details = adviser.get(f"{stack['hub']}/console/api/handovers/{handover['id']}", timeout=10).text
    assert "[card number removed]" in page
    for console in (page, details):
        for forms in SECRETS.values():
            for form in forms:
                assert form not in console or form == "737", f"{form} shown in the console"
        assert not re.search(r"(?i)cvv is 737", console)
    say(stack, "one more thing", conversation)  # and once more, after the handover

    leaks = []
    for path in sorted(Path(stack["log"]).parent.rglob("*")):
        if not path.is_file():
            continue
        content = path.read_bytes()
        for said, forms in SECRETS.items():
            for form in forms:
                if form == "737":
                    if re.search(rb"(?i)cvv is 737", content):
                        leaks.append(f"{path.name}: {said}")
                elif form.encode() in content:
                    leaks.append(f"{path.name}: {form}")
    names = {p.name for p in Path(stack["log"]).parent.rglob("*")}
    assert {"hub.db", "tracker.db", "stack.log"} <= names, names  # the stores and logs were scanned
    assert not leaks, leaks
