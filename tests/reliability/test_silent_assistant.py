"""Issue 8 (2), the hub's side: when Rasa answers a customer with nothing because the action server
is down (Rasa logs the failed action and carries on), the customer still gets the honest apology;
silence while everything is healthy is left alone. The real processes: test_stack_reliability.py."""

from __future__ import annotations

import pytest

from bot.hub.router import ASSISTANT_UNAVAILABLE
from tests.hub.conftest import FakeAssistant, make_app


class ActionsDown(FakeAssistant):
    def __init__(self) -> None:
        super().__init__()
        self.replies = []
        self.actions_ok = False

    def health(self):
        return {"rasa": {"ok": True}, "actions": {"ok": self.actions_ok}}


@pytest.mark.parametrize(("actions_ok", "apology"), [(False, True), (True, False)])
def test_silence_from_rasa_while_the_action_server_is_down_gets_the_apology(tmp_path, actions_ok, apology):
    assistant = ActionsDown()
    assistant.actions_ok = actions_ok
    client = make_app(tmp_path, assistant).test_client()
    replies = client.post("/webhooks/rest/webhook", json={"message": "i want to pay my council tax"}).get_json()
    assert [r.get("text") for r in replies] == ([ASSISTANT_UNAVAILABLE] if apology else [])
    if apology:
        assert replies[0]["custom"] == {"notice": "assistant_unavailable"}
