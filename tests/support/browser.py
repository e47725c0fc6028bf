"""Browser fixtures shared by the browser and security suites: Debian's Chromium through Playwright
(never a downloaded browser), and a scripted site.

- `browser`, `page`: Chromium launched with the project's flags; `page` fails the test on any
  JavaScript error.
- `scripted_site`: the real hub and the real demo portal, each served over HTTP from a thread
  of this process, with a scripted assistant standing in for Rasa, so the widget's behaviour
  (highlights, markdown, notices, buttons) is tested without a trained model. The hub's
  console has the advisers of tests/console (alice, bob, sue) and takes handovers at any hour.

A suite's conftest imports the fixtures it uses from here.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

from tests.console.conftest import FAST_HASH, HUB_TOKEN, add_advisers

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium for one test module. Playwright's sync API keeps an event loop running in this
    thread while it is open, so it is closed after each module: later tests may use asyncio.run,
    and another suite's conftest may start its own Playwright."""
    executable = shutil.which("chromium")
    if not executable:
        pytest.fail("Chromium is not installed: `make test` installs it (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_page(browser: Browser, errors: list) -> Page:
    """A page in a fresh context that records JavaScript errors and Content-Security-Policy violations."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text else None)
    return page


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


# -- the scripted site -----------------------------------------------------------------


class ScriptedAssistant:
    """Answers like Rasa's REST channel, from a script the test sets; records what reached it."""

    def __init__(self) -> None:
        self.sent: list = []
        self.triggered: list = []
        self.script: dict = {}  # customer text → list of answers
        self.on_page: list = [{"text": "I can see you've moved on."}]
        self.delay = 0.0

    def send(self, sender: str, text: str, metadata: Any = None) -> list:
        self.sent.append({"sender": sender, "text": text, "metadata": metadata})
        time.sleep(self.delay)
        return [dict(answer) for answer in self.script.get(text, [{"text": f"You said: {text}"}])]

    def trigger_intent(self, sender: str, intent: str, entities: dict) -> list:
        self.triggered.append({"sender": sender, "intent": intent, "entities": entities})
        return [dict(answer) for answer in self.on_page]

    def health(self) -> dict:
        return {"rasa": {"ok": True}, "actions": {"ok": True}}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Served:
    """A WSGI app served over real HTTP from a daemon thread."""

    def __init__(self, app, port: int) -> None:
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()


@pytest.fixture
def scripted_site(tmp_path) -> Iterator[dict]:
    from bot.hub import create_app as create_hub
    from demo_portal import create_app as create_portal

    assistant = ScriptedAssistant()
    hub_port, portal_port = _free_port(), _free_port()
    hub_url, portal_url = f"http://127.0.0.1:{hub_port}", f"http://127.0.0.1:{portal_port}"
    hub_app = create_hub({"SECRET_KEY": "browser-test", "TESTING": True,
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'hub.db'}",
                          "WAYFINDER_ALLOWED_ORIGINS": (portal_url, hub_url), "WAYFINDER_HUB_URL": hub_url,
                          # the console: handovers posted with HUB_TOKEN, advisers (tests.console) at any hour
                          "WAYFINDER_HUB_TOKEN": HUB_TOKEN, "WAYFINDER_OPENING_HOURS": "always",
                          "WAYFINDER_PASSWORD_METHOD": FAST_HASH}, assistant=assistant)
    add_advisers(hub_app)
    portal_app = create_portal({"TESTING": True, "SECRET_KEY": "browser-test", "HUB_URL": hub_url,
                                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'portal.db'}"})
    hub, portal = _Served(hub_app, hub_port), _Served(portal_app, portal_port)
    try:
        yield {"hub": hub_url, "portal": portal_url, "assistant": assistant, "hub_app": hub_app}
    finally:
        hub.stop()
        portal.stop()
