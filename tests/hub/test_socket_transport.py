"""The Socket.IO front door over a real Engine.IO transport (polling and websocket, on 127.0.0.1).

Flask-SocketIO's test client skips Engine.IO, so packet sizes are only seen here: a 1 MB message
reaches the hub's handlers and gets the same clear notice as any other bad input, on a connection
that stays open; a packet over the hard cap is cut off; on the websocket, the cap holds while
the message arrives (the hub does not read an unbounded message before refusing it).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator

import pytest
import socketio
import websocket
from werkzeug.serving import make_server

from bot.hub.socket import MAX_EVENT_BYTES, MAX_PACKET_BYTES
from tests.hub.conftest import PORTAL_ORIGIN, make_app
from tests.support.stack import ROOT

MEGABYTE = "x" * (1024 * 1024)


@pytest.fixture
def served(tmp_path, assistant) -> Iterator[str]:
    """The hub app served over HTTP from a thread of this process, on a free port of 127.0.0.1."""
    server = make_server("127.0.0.1", 0, make_app(tmp_path, assistant), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


class Customer:
    """A python-socketio client, as a page on the portal's origin connects; records bot_uttered."""

    def __init__(self, url: str, transport: str) -> None:
        self.said: list[dict] = []
        self.closed = threading.Event()
        # websocket-client sends an Origin of its own unless given one (a header would be a second)
        self.client = socketio.Client(reconnection=False, websocket_extra_options={"origin": PORTAL_ORIGIN})
        self.client.on("bot_uttered", self.said.append)
        self.client.on("disconnect", lambda *args: self.closed.set())
        headers = {"Origin": PORTAL_ORIGIN} if transport == "polling" else {}
        self.client.connect(url, headers=headers, transports=[transport], wait_timeout=10)
        assert self.client.transport() == transport
        self.session_id = self.client.call("session_request", {}, timeout=10)["session_id"]

    def call(self, event: str, data) -> dict:
        return self.client.call(event, data, timeout=20)

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()


@pytest.fixture(params=["polling", "websocket"])
def customer(request, served) -> Iterator[Customer]:
    connected = Customer(served, request.param)
    yield connected
    connected.close()


def test_a_one_megabyte_message_gets_the_clear_notice_and_the_connection_goes_on(customer, assistant):
    sid = customer.client.get_sid()
    ack = customer.call("user_uttered", {"message": MEGABYTE, "session_id": customer.session_id})
    assert ack["ok"] is False and ack["error"] == "message_too_long" and "2,000" in ack["message"]
    assert customer.said[-1]["custom"] == {"notice": "message_too_long"} and "shorten it" in customer.said[-1]["text"]
    assert assistant.sent == []
    ack = customer.call("user_uttered", {"message": "and now normally", "session_id": customer.session_id})
    assert ack["ok"], ack
    assert "you said: and now normally" in [m["text"] for m in customer.said]
    assert customer.client.connected and customer.client.get_sid() == sid  # the same connection all along
    assert assistant.sent[-1]["sender"] == customer.session_id


@pytest.mark.parametrize("event", ["user_uttered", "page_view"])
def test_an_oversized_field_is_refused_as_too_large_and_the_connection_goes_on(customer, assistant, event):
    junk = {"message": "hi", "page": "/council-tax/pay",
            "metadata": {"page": "/council-tax/pay", "note": MEGABYTE}}
    ack = customer.call(event, junk)
    assert ack["ok"] is False and ack["error"] == "too_large" and ack["message"], ack
    if event == "user_uttered":  # the customer typed it: the chat says why
        assert customer.said[-1]["custom"] == {"notice": "too_large"} and "too much" in customer.said[-1]["text"]
    assert assistant.sent == []
    assert customer.call("user_uttered", {"message": "hello"})["ok"]
    assert customer.client.connected


def test_a_packet_over_the_hard_cap_is_cut_off(customer, assistant):
    customer.client.emit("user_uttered", {"message": "x" * (MAX_PACKET_BYTES + 1)})
    assert customer.closed.wait(20), "a packet over the cap was not cut off"
    assert assistant.sent == []


def test_the_websocket_cap_holds_while_a_message_arrives(served, assistant):
    """The hub closes the websocket (1009, message too big) once a message passes the cap, in
    fragments as they arrive: it does not first read the whole message, however big."""
    ws = websocket.create_connection(served.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket",
                                     origin=PORTAL_ORIGIN, timeout=10)
    try:
        assert ws.recv().startswith("0")  # Engine.IO's open packet
        ws.send("40")  # Socket.IO connect
        assert ws.recv().startswith("40")
        fragment = "x" * (256 * 1024)
        ws.send_frame(websocket.ABNF.create_frame('42["user_uttered",{"message":"', websocket.ABNF.OPCODE_TEXT, 0))
        sent, closed_with = 0, None
        deadline = time.monotonic() + 20
        while closed_with is None and time.monotonic() < deadline and sent < 16 * MAX_PACKET_BYTES:
            try:
                ws.send_frame(websocket.ABNF.create_frame(fragment, websocket.ABNF.OPCODE_CONT, 0))
                sent += len(fragment)
                ws.settimeout(0.05)
                frame = ws.recv_frame()
                if frame.opcode == websocket.ABNF.OPCODE_CLOSE:
                    closed_with = int.from_bytes(frame.data[:2], "big")
            except websocket.WebSocketTimeoutException:
                continue
            except (websocket.WebSocketConnectionClosedException, OSError):
                closed_with = -1  # closed without a close frame
    finally:
        ws.close()
    assert closed_with == 1009, f"not closed as too big (got {closed_with}) after {sent:,} characters"
    assert sent <= MAX_PACKET_BYTES + 4 * len(fragment)
    assert assistant.sent == []


def test_the_caps_leave_room_for_a_megabyte_and_real_events():
    assert len(json.dumps(["user_uttered", {"message": MEGABYTE, "session_id": "s" * 80}])) < MAX_PACKET_BYTES
    assert MAX_EVENT_BYTES < MAX_PACKET_BYTES


# The widget's own Socket.IO client (webchat/node_modules, what the hub serves as vendor/socket.io.min.js)
# in Node: a 1 MB message gets an acknowledgement with a notice the widget has its own words for
# (chat.js shows it in the chat and marks the message "Not sent."), and the next message is answered.
WIDGET_CLIENT = """
global.window = {};
require(process.argv[1] + "/src/strings.js");
const { io } = require(process.argv[1] + "/node_modules/socket.io-client");
const socket = io(process.argv[2], { transports: [process.argv[3]], reconnection: false });
const said = [];
socket.on("bot_uttered", (message) => said.push(message));
socket.on("connect_error", (error) => { console.log(JSON.stringify({ error: String(error) })); process.exit(1); });
socket.on("connect", async () => {
  const session = await socket.timeout(10000).emitWithAck("session_request", {});
  const send = (message) => socket.timeout(20000).emitWithAck("user_uttered", { message, session_id: session.session_id });
  const big = await send("x".repeat(1024 * 1024));
  const next = await send("and now normally");
  console.log(JSON.stringify({ big, next, said, transport: socket.io.engine.transport.name, connected: socket.connected,
                               notices: Object.keys(window.Wayfinder.strings.en.notices) }));
  socket.close();
});
"""


@pytest.mark.skipif(not shutil.which("node"), reason="Node.js is not installed")
@pytest.mark.parametrize("transport", ["polling", "websocket"])
def test_the_widgets_socket_client_gets_a_notice_it_can_show_for_a_megabyte(served, transport):
    run = subprocess.run(["node", "-e", WIDGET_CLIENT, str(ROOT / "webchat"), served, transport],
                         check=False, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["transport"] == transport and seen["connected"]
    assert seen["big"]["ok"] is False and seen["big"]["error"] in seen["notices"]
    notices = [m["custom"]["notice"] for m in seen["said"] if m.get("custom", {}).get("notice")]
    assert notices == [seen["big"]["error"]]
    assert seen["next"]["ok"] and "you said: and now normally" in [m["text"] for m in seen["said"]]
