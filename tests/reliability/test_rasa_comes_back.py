"""Issue 8 (2) on the real stack (`wayfinder run`, ports 22500-22555): a killed Rasa comes back by itself.

`bot.keep_running` wraps every Procfile process and starts it again when it dies. Here the
`rasa run` process (the child of its wrapper, found among this stack's own processes) is
killed in the middle of a conversation — between the two questions of the identity form:

- the customer gets the honest "assistant unavailable" answer within 15 s, in the same conversation;
- the wrapper starts Rasa again without anyone restarting the stack, and within a bounded time
  (loading the model takes minutes on a busy machine) the stack answers normally;
- the same conversation then carries on: the same id, the hub's history and Rasa's tracker as
  before (plus the turn Rasa missed, which only the hub kept), and the form resumes.

It has a stack of its own: `test_stack_reliability.py` restarts its stack on other ports, and
waiting there for Rasa to load its model again would hold up its other tests.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
import requests

from tests.reliability.conversation import RASA, history, say, texts, tracker, user_texts
from tests.support.stack import running_stack, stack_processes

pytestmark = pytest.mark.stack
PORTS = {"HUB": 22500, "PORTAL": 22501, "RASA": 22505, "ACTIONS": 22555}
HONEST_WITHIN = 15  # seconds: the HTTP client's timeout, so a customer left waiting longer fails the test
BACK_WITHIN = 240  # seconds for the wrapper to start Rasa again and Rasa to load its model


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with running_stack(PORTS, tmp_path_factory.mktemp("rasa-comes-back"),
                       {"WAYFINDER_OPENING_HOURS": "always"}) as running:
        yield running


def is_honest(said: str) -> bool:
    """Says the fault is on our side and offers another way to get help."""
    return "on our side" in said and ("01632 960 000" in said or "adviser" in said)


def command_line(pid: int) -> str:
    return (Path(f"/proc/{pid}") / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")


def parent(pid: int) -> int:
    return int((Path(f"/proc/{pid}") / "stat").read_text().rsplit(")", 1)[1].split()[1])


def the_rasa_process(stack) -> tuple[int, int]:
    """(rasa run's pid, its keep_running wrapper's pid), among this stack's processes only."""
    pids = stack_processes(stack, RASA)
    assert len(pids) == 1, f"expected one `rasa run` process in this stack, found {pids}"
    wrapper = parent(pids[0])
    assert "-m bot.keep_running rasa -- " in command_line(wrapper), command_line(wrapper)
    return pids[0], wrapper


def wait_until_rasa_answers(stack, limit: float) -> float:
    """Seconds until the hub reports Rasa ready and a new conversation gets a normal answer."""
    started = time.monotonic()
    deadline = started + limit
    last = "nothing asked yet"
    while time.monotonic() < deadline:
        try:
            health = requests.get(f"{stack['hub']}/healthz", timeout=5)
            if health.status_code == 200:
                _, replies = say(stack, "hello", timeout=30)  # a throwaway conversation of its own
                last = texts(replies)
                if replies and not is_honest(last):
                    return time.monotonic() - started
            else:
                last = health.text[:300]
        except (requests.RequestException, AssertionError) as exc:
            last = f"{type(exc).__name__}: {exc}"[:300]
        time.sleep(2)
    pytest.fail(f"Rasa did not come back within {limit:.0f} s: {last}")


def test_a_killed_rasa_is_started_again_and_the_conversation_carries_on(stack):
    conversation, _ = say(stack, "hello")
    say(stack, "can you send me a password reset code", conversation)
    same, replies = say(stack, "10000001", conversation)  # the identity form asks for the postcode next
    assert same == conversation and "postcode" in texts(replies).lower(), texts(replies)
    hub_before, rasa_before = history(stack, conversation), user_texts(tracker(stack, conversation))
    assert rasa_before[-1] == "10000001"

    rasa, wrapper = the_rasa_process(stack)
    os.kill(rasa, signal.SIGKILL)  # the pid this stack started, and nothing else
    asked = time.monotonic()
    same, replies = say(stack, "are you still there?", conversation, timeout=HONEST_WITHIN)
    assert time.monotonic() - asked < HONEST_WITHIN
    assert same == conversation
    assert is_honest(texts(replies)), texts(replies)

    waited = wait_until_rasa_answers(stack, BACK_WITHIN)
    new_rasa, new_wrapper = the_rasa_process(stack)
    assert new_rasa != rasa and new_wrapper == wrapper  # the same wrapper started a new Rasa
    assert "keep_running[rasa]: stopped unexpectedly" in stack["log"].read_text()

    # the same conversation, its history and tracker intact; the hub alone kept the missed turn
    during = history(stack, conversation)
    assert during[:len(hub_before)] == hub_before
    missed = during[len(hub_before):]
    assert [m["sender"] for m in missed] == ["customer", "system"], missed
    assert missed[0]["text"] == "are you still there?" and is_honest(missed[1]["text"])
    assert user_texts(tracker(stack, conversation)) == rasa_before
    same, replies = say(stack, "RV1 1AA", conversation)  # the form carries on with its second answer
    assert same == conversation, (same, conversation)
    assert not is_honest(texts(replies)), f"still unavailable {waited:.0f} s after Rasa came back"
    assert tracker(stack, conversation)["slots"]["identity_verified"] is True, texts(replies)
    after = history(stack, conversation)
    assert after[:len(during)] == during and after[len(during)]["text"] == "RV1 1AA"
    assert user_texts(tracker(stack, conversation)) == [*rasa_before, "RV1 1AA"]
