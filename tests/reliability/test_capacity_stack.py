"""Open chats never stop the hub (ports 22600-22655): its threads are shared, and a reserve is kept.

Each open widget holds one of the hub's threads (Socket.IO in threading mode). With 100
threads, 100 idle widgets used to stop everything: the next widget, REST customers, the
action server's handovers and the health check all timed out. Here the hub runs with 30
threads (so at most 20 Socket.IO requests at once, bot/hub/capacity.py) and 25 widgets try to
open: 20 chat, 5 are asked to come back later at once, and everything else is still served,
an adviser's console included.
"""

from __future__ import annotations

import re
import time

import pytest
import requests
import socketio

from bot.hub.capacity import socket_limit
from tests.support.stack import running_stack

pytestmark = pytest.mark.stack
PORTS = {"HUB": 22600, "PORTAL": 22601, "RASA": 22605, "ACTIONS": 22655}
THREADS = 30
OPEN = socket_limit(THREADS)  # 20


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with running_stack(PORTS, tmp_path_factory.mktemp("capacity"), {"WAYFINDER_HUB_THREADS": str(THREADS)}) as running:
        yield running


def open_widget(hub: str) -> socketio.Client:
    widget = socketio.Client(reconnection=False)
    widget.connect(hub, transports=["websocket"], wait_timeout=10)
    widget.call("session_request", {}, timeout=10)
    return widget


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def signed_in_adviser(stack) -> requests.Session:
    """The demo adviser, signed in to the console over plain HTTP (which a full hub still serves)."""
    session = requests.Session()
    token = csrf_of(session.get(f"{stack['hub']}/console/login", timeout=10).text)
    answer = session.post(f"{stack['hub']}/console/login", timeout=10, data={
        "username": "adviser", "password": stack["env"]["WAYFINDER_ADVISER_PASSWORD"], "csrf_token": token})
    assert answer.status_code == 200 and "/console/login" not in answer.url, answer.text[:300]
    return session


def chat(widget: socketio.Client, text: str) -> list[str]:
    said: list[str] = []
    widget.on("bot_uttered", lambda data: said.append(data.get("text") or ""))
    session = widget.call("session_request", {}, timeout=10)["session_id"]
    assert widget.call("user_uttered", {"message": text, "session_id": session}, timeout=60)["ok"]
    deadline = time.monotonic() + 60
    while not said and time.monotonic() < deadline:
        time.sleep(0.1)
    return said


def test_a_full_hub_turns_new_chats_away_at_once_and_serves_everything_else(stack):
    hub = stack["hub"]
    widgets: list[socketio.Client] = []
    refused: list[float] = []

    def try_to_open() -> None:
        started = time.monotonic()
        try:
            widgets.append(open_widget(hub))
        except (socketio.exceptions.ConnectionError, socketio.exceptions.TimeoutError):
            refused.append(time.monotonic() - started)

    try:
        for _ in range(OPEN + 5):  # one at a time: which ones get in does not depend on timing
            try_to_open()
        assert len(widgets) == OPEN and len(refused) == 5
        assert max(refused) < 5  # turned away at once, not left hanging until a timeout

        answer = requests.post(f"{hub}/webhooks/rest/webhook", json={"message": "hello"}, timeout=60)
        assert answer.status_code == 200 and answer.json()  # a REST customer is answered
        assert requests.get(f"{hub}/healthz", timeout=10).status_code == 200
        adviser = signed_in_adviser(stack)  # an adviser signs in while customers fill the hub
        console = socketio.Client(reconnection=False)
        console.connect(hub, namespaces=["/advisers"], transports=["websocket"], wait_timeout=10,
                        headers={"Cookie": "; ".join(f"{k}={v}" for k, v in adviser.cookies.items())},
                        auth={"csrf_token": csrf_of(adviser.get(f"{hub}/console/", timeout=10).text)})
        assert console.connected  # the console's live queue, from the advisers' part of the reserve
        console.disconnect()

        for widget in widgets[:3]:  # three customers close their chats
            widget.disconnect()
        del widgets[:3]
        time.sleep(1)
        latecomer = open_widget(hub)  # the next one gets in and is answered
        widgets.append(latecomer)
        assert chat(latecomer, "hello")
    finally:
        for widget in widgets:
            widget.disconnect()
