"""action_explain_why: why a step or a question is needed, at any point (P10)."""

from __future__ import annotations

from actions.why import ActionExplainWhy
from tests.actions.support import responses, run, tracker


def test_why_on_a_step_page_is_that_steps_why(catalogue):
    step = catalogue.get("apply_parking_permit").step("proof")
    t = tracker({"service": "apply_parking_permit"}, intent="ask_why", metadata={"page": step.screen})
    messages, _, _ = run(ActionExplainWhy(catalogue), t)
    assert responses(messages) == ["utter_why_step"] and messages[0]["step_why"] == step.why


def test_why_during_a_step_through_is_the_current_steps_why(catalogue):
    step = catalogue.get("pay_council_tax").step("verify")
    t = tracker({"service": "pay_council_tax", "current_step": "verify"}, intent="ask_why")
    messages, _, _ = run(ActionExplainWhy(catalogue), t)
    assert messages[0]["step_why"] == step.why and messages[0]["custom"] == {"highlight": step.highlight}


def test_why_while_we_check_who_they_are(catalogue):
    t = tracker({"service": "pay_council_tax"}, intent="ask_why", active_loop="identity_form")
    messages, _, _ = run(ActionExplainWhy(catalogue), t)
    assert responses(messages) == ["utter_why_identity"]


def test_why_with_no_step_known_explains_the_service(catalogue):
    messages, _, _ = run(ActionExplainWhy(catalogue), tracker({"service": "report_missed_bin"}, intent="ask_why"))
    assert responses(messages) == ["utter_why_service"]


def test_why_with_nothing_known_asks_what_about(catalogue):
    messages, _, _ = run(ActionExplainWhy(catalogue), tracker({}, intent="ask_why"))
    assert responses(messages) == ["utter_why_which_step"]
