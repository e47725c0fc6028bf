"""action_step_through: one step at a time, following the customer's page (P8, P9, P10, K5)."""

from __future__ import annotations

import pytest

from actions.steps import ActionStepThrough
from tests.actions.support import FakeApi, responses, run, slot, tracker, user

COUNCIL_TAX = {"service": "pay_council_tax"}
STEPPING = {"service": "pay_council_tax", "support_mode": "step_through"}


def step_through(catalogue, api=None):
    return ActionStepThrough(catalogue, api or FakeApi("up"))


def test_starting_gives_the_first_step_with_its_field_highlighted(catalogue):
    """P8: the first step, and the widget is told which field to outline."""
    service = catalogue.get("pay_council_tax")
    messages, slots, _ = run(step_through(catalogue), tracker(COUNCIL_TAX, intent="request_step_through"))
    assert responses(messages) == ["utter_step_through_start", "utter_step_with_link"]
    step = messages[1]
    assert step["step_title"] == service.steps[0].title and step["step_number"] == 1
    assert step["step_count"] == len(service.steps) and step["step_url"] == service.start_url
    assert step["custom"] == {"highlight": service.steps[0].highlight}
    assert slots == {"service": "pay_council_tax", "support_mode": "step_through",
                     "current_step": "start", "outcome": "waiting"}


@pytest.mark.parametrize("familiarity, variant", [("new", "new"), ("familiar", "familiar"), (None, "new")])
def test_the_instruction_is_worded_for_how_familiar_they_are(catalogue, familiarity, variant):
    """P4: fuller wording for new (and not yet known) customers, short for familiar ones."""
    step = catalogue.get("pay_council_tax").steps[1]
    t = tracker({**COUNCIL_TAX, "familiarity": familiarity}, intent="request_step_through",
                metadata={"page": step.screen})
    messages, _, _ = run(step_through(catalogue), t)
    assert messages[-1]["response"] == "utter_step"  # on the page already: no link
    assert messages[-1]["step_instruction"] == getattr(step.instruction, variant)
    assert messages[-1]["step_why"] == step.why  # the domain shows it unasked to new customers


def test_starting_on_a_later_page_starts_there(catalogue):
    t = tracker(COUNCIL_TAX, intent="request_step_through", metadata={"page": "/council-tax/pay/card"})
    _, slots, _ = run(step_through(catalogue), t)
    assert slots["current_step"] == "card"


def test_the_status_is_checked_before_stepping_through(catalogue):
    """P1: a service that is down cannot be stepped through: the failure path."""
    api = FakeApi("down")
    messages, slots, _ = run(step_through(catalogue, api), tracker(COUNCIL_TAX, intent="request_step_through"))
    assert responses(messages) == ["utter_service_down"]
    assert slots["system_failure"] is True and slots["outcome"] == "failed"


def test_a_degraded_service_already_explained_can_still_be_stepped_through(catalogue):
    api = FakeApi("degraded")
    t = tracker({**COUNCIL_TAX, "system_failure": True}, intent="request_step_through")
    _, slots, _ = run(step_through(catalogue, api), t)
    assert slots["outcome"] == "waiting" and slots["support_mode"] == "step_through"


def test_done_moves_to_the_next_step_with_encouragement(catalogue):
    """P8, P9: 'done' advances one step, with a word of encouragement."""
    t = tracker({**STEPPING, "current_step": "start"}, intent="step_done")
    messages, slots, _ = run(step_through(catalogue), t)
    assert responses(messages) == ["utter_step_progress", "utter_step_with_link"]
    assert slots["current_step"] == "account" and slots["outcome"] == "waiting"


def test_what_do_i_do_now_gives_the_step_again_not_the_next_one(catalogue):
    """The NLU reads "what do i do now" as done; before, the customer was told "Well done, that's
    gone through" and given the next step."""
    for text in ("what do i do now?", "ok so what am i supposed to do", "I don't know what to do"):
        t = tracker({**STEPPING, "current_step": "start"}, intent="step_done", text=text)
        messages, slots, _ = run(step_through(catalogue), t)
        assert responses(messages) == ["utter_stuck_no_known_problems", "utter_step_with_link"], text
        assert slots["current_step"] == "start"
    t = tracker({**STEPPING, "current_step": "start"}, intent="step_done", text="done, what now?")
    _, slots, _ = run(step_through(catalogue), t)
    assert slots["current_step"] == "account"


def test_done_while_the_page_has_not_moved_says_so(catalogue):
    t = tracker({**STEPPING, "current_step": "account"}, intent="step_done",
                metadata={"page": "/council-tax/pay/account"})
    messages, slots, _ = run(step_through(catalogue), t)
    assert responses(messages) == ["utter_still_on_step", "utter_step"] and slots["current_step"] == "account"


def test_done_on_the_last_step_finishes(catalogue):
    """K5: the last step done is a success, congratulated."""
    t = tracker({**STEPPING, "current_step": "verify"}, intent="step_done")
    messages, slots, _ = run(step_through(catalogue), t)
    assert responses(messages) == ["utter_journey_done"] and slots["outcome"] == "finished"


def test_the_next_page_moves_the_step_on(catalogue):
    """P8: a page_view of the next screen shows they got there."""
    t = tracker({**STEPPING, "current_step": "account"}, intent="EXTERNAL_page_changed",
                entities=[{"entity": "page", "value": "/council-tax/pay/amount"}])
    messages, slots, _ = run(step_through(catalogue), t)
    assert responses(messages) == ["utter_step_progress", "utter_step"]
    assert slots["current_step"] == "amount"
    assert messages[1]["custom"] == {"highlight": "#amount"}


def test_the_same_page_again_says_nothing(catalogue):
    t = tracker({**STEPPING, "current_step": "amount"}, intent="EXTERNAL_page_changed",
                entities=[{"entity": "page", "value": "/council-tax/pay/amount"}])
    messages, slots, _ = run(step_through(catalogue), t)
    assert messages == [] and slots == {"outcome": "waiting"}


def test_going_back_is_followed(catalogue):
    t = tracker({**STEPPING, "current_step": "card"}, intent="EXTERNAL_page_changed",
                entities=[{"entity": "page", "value": "/council-tax/pay/account"}])
    messages, slots, _ = run(step_through(catalogue), t)
    assert responses(messages)[0] == "utter_step_back" and slots["current_step"] == "account"


def test_an_off_route_page_brings_them_back(catalogue):
    """P8: recover when they go off-route."""
    t = tracker({**STEPPING, "current_step": "card"}, intent="EXTERNAL_page_changed",
                entities=[{"entity": "page", "value": "/parking/permit"}])
    messages, slots, _ = run(step_through(catalogue), t)
    assert responses(messages) == ["utter_off_route"]
    assert messages[0]["step_url"] == "/council-tax/pay/card" and slots["outcome"] == "waiting"


def test_the_done_page_finishes(catalogue):
    t = tracker({**STEPPING, "current_step": "verify"}, intent="EXTERNAL_page_changed",
                entities=[{"entity": "page", "value": "/council-tax/pay/confirmation"}])
    messages, slots, _ = run(step_through(catalogue), t)
    assert responses(messages) == ["utter_journey_done"] and slots["outcome"] == "finished"


def test_the_done_page_after_trying_alone_finishes_too(catalogue):
    t = tracker({"service": "pay_council_tax", "support_mode": "retry_alone"}, intent="EXTERNAL_page_changed",
                entities=[{"entity": "page", "value": "/council-tax/pay/confirmation"}])
    _, slots, _ = run(step_through(catalogue), t)
    assert slots["outcome"] == "finished"


def test_page_views_outside_a_journey_are_quiet(catalogue):
    t = tracker({}, intent="EXTERNAL_page_changed", entities=[{"entity": "page", "value": "/council-tax/pay"}])
    messages, slots, _ = run(step_through(catalogue), t)
    assert messages == [] and slots == {"outcome": "waiting"}


def test_a_customer_error_on_the_page_gets_the_catalogue_help(catalogue):
    """Evidence 6a: troubleshooting from the catalogue's known problems, never blaming."""
    problem = catalogue.get("pay_council_tax").problem("card_declined")
    t = tracker({**STEPPING, "current_step": "verify"}, intent="EXTERNAL_page_changed",
                entities=[{"entity": "page", "value": "/council-tax/pay/verify"},
                          {"entity": "error_code", "value": "CARD_DECLINED"}])
    messages, slots, _ = run(step_through(catalogue), t)
    assert responses(messages) == ["utter_problem_on_page"] and messages[0]["help"] == problem.help
    assert slots["problem"] == "card_declined" and slots["outcome"] == "waiting"


def test_a_system_fault_on_the_page_takes_the_failure_path(catalogue):
    """Evidence 6b: SERVICE_ERROR on the page is our failure."""
    t = tracker({**STEPPING, "current_step": "verify"}, intent="EXTERNAL_page_changed",
                entities=[{"entity": "page", "value": "/council-tax/pay/verify"},
                          {"entity": "error_code", "value": "SERVICE_ERROR"}])
    messages, slots, _ = run(step_through(catalogue), t)
    assert responses(messages) == ["utter_system_fault_on_page"]
    assert slots["system_failure"] is True and slots["outcome"] == "failed"


def test_stuck_gets_the_steps_known_problems(catalogue):
    step = catalogue.get("pay_council_tax").step("card")
    t = tracker({**STEPPING, "current_step": "card"}, intent="stuck")
    messages, _, _ = run(step_through(catalogue), t)
    assert responses(messages) == ["utter_stuck_help"]
    for problem in step.problems[:3]:
        assert problem.help in messages[0]["known_problems"]
    assert messages[0]["custom"] == {"highlight": step.highlight}


def test_stuck_on_a_page_showing_an_error_gets_that_errors_help(catalogue):
    t = tracker({**STEPPING, "current_step": "account"}, intent="stuck",
                metadata={"page": "/council-tax/pay/account", "error_code": "POSTCODE_INVALID"})
    messages, _, _ = run(step_through(catalogue), t)
    assert responses(messages) == ["utter_problem_on_page"]


def test_stuck_three_times_at_one_step_offers_an_adviser(catalogue):
    """P9: escalate on three 'stuck' at one step."""
    events = [slot("current_step", "card"), user("stuck"), slot("current_step", "card"), user("stuck"),
              slot("current_step", "card")]
    t = tracker({**STEPPING, "current_step": "card"}, intent="stuck", events=events)
    messages, slots, _ = run(step_through(catalogue), t)
    assert responses(messages) == ["utter_stuck_offer_adviser"] and slots["outcome"] == "adviser_offered"


def test_stuck_at_a_new_step_starts_counting_again(catalogue):
    events = [slot("current_step", "account"), user("stuck"), user("stuck"), slot("current_step", "card")]
    t = tracker({**STEPPING, "current_step": "card"}, intent="stuck", events=events)
    _, slots, _ = run(step_through(catalogue), t)
    assert slots["outcome"] == "waiting"


def test_done_after_trying_alone_is_a_success(catalogue):
    t = tracker({"service": "pay_council_tax", "support_mode": "retry_alone"}, intent="step_done", text="that worked")
    _, slots, _ = run(step_through(catalogue), t)
    assert slots["outcome"] == "finished"


def test_step_through_without_a_service_asks_which(catalogue):
    messages, slots, _ = run(step_through(catalogue), tracker({}, intent="request_step_through"))
    assert responses(messages) == ["utter_ask_service"] and slots["support_mode"] == "step_through"


@pytest.mark.parametrize("service_id", ["pay_council_tax", "report_missed_bin", "apply_parking_permit",
                                        "update_contact_details", "book_bulky_waste", "sign_in_help"])
def test_every_service_can_be_stepped_through_to_the_end(catalogue, service_id):
    """P8 for every catalogue service: 'done' at each step reaches the end."""
    service = catalogue.get(service_id)
    slots = {"service": service_id, "support_mode": "step_through", "current_step": service.steps[0].id}
    seen = [service.steps[0].id]
    for _ in service.steps:
        _, set_, _ = run(step_through(catalogue), tracker(slots, intent="step_done"))
        if set_["outcome"] == "finished":
            break
        slots["current_step"] = set_["current_step"]
        seen.append(set_["current_step"])
    assert set_["outcome"] == "finished" and seen == [s.id for s in service.steps]
