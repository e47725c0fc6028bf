"""bot.rasa_run: Rasa's check of action-server answers, compiled once, accepts and refuses exactly as before."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot.rasa_run import compile_action_result_check

GOOD = {"events": [{"event": "slot", "name": "service", "value": "pay_council_tax"}],
        "responses": [{"text": "Here is the first step", "custom": {"highlight": "#amount"}}]}
BAD = {"events": [{"name": "service"}], "responses": []}  # an event without its type


@pytest.fixture(scope="module")
def action():
    compile_action_result_check()
    compile_action_result_check()  # a second call changes nothing
    return RemoteAction("action_step_through", None)


def test_a_valid_answer_passes(action):
    assert RemoteAction._validate_action_result.wayfinder_compiled
    assert action._validate_action_result(GOOD) is True


def test_an_invalid_answer_is_still_refused_with_rasas_explanation(action):
    with pytest.raises(ValidationError) as refused:
        action._validate_action_result(BAD)
    assert "'event' is a required property" in refused.value.message
    assert "Failed to validate Action server response" in refused.value.message
