"""Talk to the trained model as the hub would: a real action server and demo portal, Rasa's Agent in-process.

    python -m tests.dialogue.harness            # a scripted tour of the main conversations
    python -m tests.dialogue.harness --chat     # type messages; "/page <path> [CODE]" sends a page_view

Ports are free ones on 127.0.0.1; everything started here is stopped on exit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
PORTAL_TOKEN = "dialogue-test-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} stopped while starting:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer in {timeout:.0f} s:\n{log.read_text()[-3000:]}")


@contextlib.contextmanager
def services(workdir: Path | None = None) -> Iterator[dict[str, str]]:
    """The demo portal and the action server on free ports; yields their URLs."""
    workdir = Path(workdir or tempfile.mkdtemp(prefix="wayfinder-dialogue-"))
    portal_url = f"http://127.0.0.1:{free_port()}"
    actions_port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WAYFINDER_")}
    env.update(
        WAYFINDER_PORTAL_URL=portal_url,
        WAYFINDER_PORTAL_DATABASE_URL=f"sqlite:///{workdir / 'portal.db'}",
        WAYFINDER_PORTAL_TOKEN=PORTAL_TOKEN,
        WAYFINDER_PORTAL_SECRET_KEY="dialogue-test-secret",
        WAYFINDER_PORTAL_SLOW_SECONDS="3",
        WAYFINDER_SERVICE_API_TIMEOUT="2",
        RASA_TELEMETRY_ENABLED="false",
        SANIC_HOST="127.0.0.1",
        PYTHONUNBUFFERED="1",
    )
    bin_dir = Path(sys.executable).parent
    processes = []
    try:
        for name, command, ready in (
            ("portal", [sys.executable, "-m", "demo_portal"], f"{portal_url}/api/status"),
            ("actions", [str(bin_dir / "rasa"), "run", "actions", "--actions", "actions", "--port", str(actions_port)],
             f"http://127.0.0.1:{actions_port}/health"),
        ):
            log = workdir / f"{name}.log"
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                                       start_new_session=True)
            processes.append(process)
            _wait_for(ready, process, 120, log)
        yield {"portal": portal_url, "actions": f"http://127.0.0.1:{actions_port}/webhook", "workdir": str(workdir)}
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def set_fault(portal_url: str, service: str, mode: str) -> None:
    answer = requests.post(f"{portal_url}/api/faults", json={"service": service, "mode": mode},
                           headers={"Authorization": f"Bearer {PORTAL_TOKEN}"}, timeout=10)
    answer.raise_for_status()


def latest_model() -> Path:
    from bot.build import MODELS_DIR, model_path

    exact = model_path()
    if exact.exists():
        return exact
    models = sorted(MODELS_DIR.glob("wayfinder-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise RuntimeError("no trained model: run `.venv/bin/wayfinder train`")
    return models[-1]


class Assistant:
    """The trained model with the action server, spoken to the way the hub speaks to Rasa."""

    def __init__(self, model: Path, actions_url: str) -> None:
        from rasa.core.agent import load_agent
        from rasa.core.utils import AvailableEndpoints
        from rasa.utils.endpoints import EndpointConfig

        from bot import rasa_run

        rasa_run.apply()  # Rasa as `make run` serves it (bot/rasa_run.py)
        # The agent gets an event loop of its own, in its own thread: the caller's thread may
        # already run one (Playwright's sync API does, when the browser tests ran first).
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="dialogue-agent", daemon=True)
        self._thread.start()
        endpoints = AvailableEndpoints(action=EndpointConfig(actions_url))
        self.agent = self.run(load_agent(model_path=str(model), endpoints=endpoints))

    def run(self, coroutine: Any) -> Any:
        """Run a coroutine on the agent's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def conversation(self) -> Conversation:
        return Conversation(self, f"dialogue-{uuid.uuid4().hex[:12]}")

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


class Conversation:
    def __init__(self, assistant: Assistant, sender_id: str) -> None:
        self.assistant, self.sender_id = assistant, sender_id
        self.page: str | None = None

    def say(self, text: str, page: str | None = None, error_code: str | None = None) -> list[dict[str, Any]]:
        """A customer message, with the page metadata the widget sends."""
        from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

        if page is not None:
            self.page = page
        metadata = {"page": self.page, "error_code": error_code} if self.page else {}
        output = CollectingOutputChannel()
        message = UserMessage(text, output, self.sender_id, metadata=metadata)
        self.assistant.run(self.assistant.agent.handle_message(message))
        return output.messages

    def page_view(self, page: str, error_code: str | None = None) -> list[dict[str, Any]]:
        """What the hub sends on a page_view: the external intent EXTERNAL_page_changed."""
        from rasa.core.channels.channel import CollectingOutputChannel

        self.page = page
        agent = self.assistant.agent

        async def trigger():
            output = CollectingOutputChannel()
            async with agent.lock_store.lock(self.sender_id):
                tracker = await agent.processor.fetch_tracker_and_update_session(self.sender_id, output)
                entities = {"page": page, **({"error_code": error_code} if error_code else {})}
                await agent.processor.trigger_external_user_uttered("EXTERNAL_page_changed", entities, tracker, output)
            return output.messages

        return self.assistant.run(trigger())

    def tracker(self):
        return self.assistant.run(self.assistant.agent.tracker_store.retrieve(self.sender_id))

    def slot(self, name: str) -> Any:
        return self.tracker().get_slot(name)

    def actions(self) -> list[str]:
        skip = {"action_listen", "action_session_start", "action_extract_slots"}
        return [e.action_name for e in self.tracker().events if getattr(e, "action_name", None) and e.action_name not in skip]


def text_of(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def show(who: str, messages: list[dict[str, Any]]) -> None:
    for m in messages:
        extra = []
        if m.get("buttons"):
            extra.append("[" + " | ".join(b["title"] for b in m["buttons"]) + "]")
        if m.get("custom"):
            extra.append(f"custom={m['custom']}")
        print(f"  bot: {m.get('text') or ''} {' '.join(extra)}".rstrip())


TOUR = [
    ("new customer, card declined, steps through", [
        ("say", "hi"),
        ("say", "first time doing this online and my card keeps getting declined paying my council tax"),
        ("say", "yes"),
        ("say", "step me through it"),
        ("page", "/council-tax/pay"), ("page", "/council-tax/pay/account"),
        ("say", "why do you need my postcode?"),
        ("page", "/council-tax/pay/amount"), ("say", "done"),
        ("say", "i'm stuck"),
        ("page", "/council-tax/pay/verify"),
        ("page", "/council-tax/pay/confirmation"),
        ("say", "no thanks"),
    ]),
    ("familiar customer, missed bin, done for them", [
        ("say", "i use the site all the time, need to report a missed bin"),
        ("say", "yes"),
        ("say", "can you just do it for me"),
        ("say", "10000001"), ("say", "RV1 1AA"),
        ("say", "recycling"), ("say", "yesterday"),
        ("say", "yes go ahead"),
        ("say", "no thanks"),
    ]),
]


def tour(assistant: Assistant, portal: str) -> None:
    for title, turns in TOUR:
        print(f"\n=== {title}")
        conversation = assistant.conversation()
        for kind, value in turns:
            if kind == "say":
                print(f"customer: {value}")
                show("bot", conversation.say(value))
            else:
                print(f"(page_view {value})")
                show("bot", conversation.page_view(value))
        print("  actions:", ", ".join(conversation.actions()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chat", action="store_true")
    parser.add_argument("--model", type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    with services() as urls:
        assistant = Assistant(args.model or latest_model(), urls["actions"])
        if not args.chat:
            tour(assistant, urls["portal"])
            return 0
        conversation = assistant.conversation()
        print("Type messages; '/page <path> [CODE]' for a page view, '/fault <service> <mode>', Ctrl-D to stop.")
        for line in sys.stdin:
            line = line.strip()
            if line.startswith("/page "):
                parts = line.split()
                show("bot", conversation.page_view(parts[1], parts[2] if len(parts) > 2 else None))
            elif line.startswith("/fault "):
                _, service, mode = line.split()
                set_fault(urls["portal"], service, mode)
            elif line:
                show("bot", conversation.say(line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
