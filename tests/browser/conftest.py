"""Browser fixtures: Debian's Chromium through Playwright (never a downloaded browser), and two sites.

- `scripted_site`: the real hub and the real demo portal, each served over HTTP from a thread
  of this process, with a scripted assistant standing in for Rasa, so the widget's behaviour
  (highlights, markdown, notices, buttons) is tested without a trained model.
- `stack`: the whole product started as `make run` starts it (`wayfinder run`), on ports
  19000/19001/19005/19055 with its own data directory (tests marked `stack`).

`browser`, `page` and `scripted_site` live in tests/support/browser.py (the security suite uses them too).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.browser import (  # noqa: F401  (fixtures and helpers the browser tests use)
    CHROMIUM_ARGS,
    ROOT,
    ScriptedAssistant,
    _free_port,
    _Served,
    browser,
    page,
    scripted_site,
)
from tests.support.stack import running_stack

STACK_PORTS = {"HUB": 19000, "PORTAL": 19001, "RASA": 19005, "ACTIONS": 19055}


# -- the real stack --------------------------------------------------------------------


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[dict]:
    """`wayfinder run` with its own ports and data directory; stopped (by its process group) at the end."""
    # advisers take chats at any hour, so the handover test does not depend on the clock
    with running_stack(STACK_PORTS, tmp_path_factory.mktemp("browser-stack"),
                       {"WAYFINDER_OPENING_HOURS": "always"}) as running:
        yield running
