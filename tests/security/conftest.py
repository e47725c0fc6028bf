"""Fixtures of the security suite: the hub (console included) with the test advisers; the browser
fixtures come from tests/support/browser.py (shared with tests/browser)."""

from __future__ import annotations

import pytest

from tests.console.conftest import add_advisers, console_app
from tests.hub.conftest import FakeAssistant
from tests.support.browser import browser, scripted_site  # noqa: F401


def hub_with_advisers(path):
    """The hub as `make run` builds it (console and handover API on), a fake assistant, alice, bob and sue."""
    app = console_app(path, FakeAssistant())
    add_advisers(app)
    return app


@pytest.fixture
def app(tmp_path):
    return hub_with_advisers(tmp_path)


@pytest.fixture
def client(app):
    return app.test_client()
