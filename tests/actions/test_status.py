"""action_check_service_status: listen for goal and difficulty (P2, P3), check the system first (P1, P7, 6b)."""

from __future__ import annotations

import pytest

from actions.status import ActionCheckServiceStatus
from tests.actions.support import FAILURES, FakeApi, entity, responses, run, slot, tracker, user


@pytest.mark.parametrize(
    "status, response, failure",
    [("up", "utter_service_up", False), ("down", "utter_service_down", True),
     ("degraded", "utter_service_degraded", True)],
)
def test_status_decides_the_path(catalogue, status, response, failure):
    """P1 / 6b: the live status is checked before advising; down or degraded is a system failure."""
    api = FakeApi(status)
    messages, slots, _ = run(ActionCheckServiceStatus(catalogue, api), tracker({"service": "pay_council_tax"}))
    assert api.calls == [("status", catalogue.get("pay_council_tax").status_key)]
    assert messages[0]["response"] == response
    assert messages[0]["service_name"] == catalogue.get("pay_council_tax").name
    assert slots["system_failure"] is failure


@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_an_api_that_fails_is_a_system_failure(catalogue, failure):
    """6b: 4xx, 5xx, timeout and connection refused all take the failure path, honestly worded."""
    api = FakeApi(status_error=FAILURES[failure])
    messages, slots, _ = run(ActionCheckServiceStatus(catalogue, api), tracker({"service": "report_missed_bin"}))
    assert responses(messages) == ["utter_service_unreachable"]
    assert slots["system_failure"] is True
    assert "failed or did not answer" in slots["failure_details"]  # for the adviser's summary


def test_a_system_error_code_on_the_page_is_a_failure_even_when_the_api_says_up(catalogue):
    """P3 / 6b: SERVICE_ERROR on the page is ours, not the customer's."""
    t = tracker({"service": "pay_council_tax"}, intent="report_problem",
                metadata={"page": "/council-tax/pay/verify", "error_code": "SERVICE_ERROR"})
    messages, slots, _ = run(ActionCheckServiceStatus(catalogue, FakeApi("up")), t)
    assert messages[0]["response"] == "utter_service_degraded" and slots["system_failure"] is True
    assert slots["problem"] == "service_error"
    assert slots["failure_details"] == "Pay your council tax: the page showed SERVICE_ERROR, a fault on our side"


def test_a_customer_error_code_on_the_page_is_the_difficulty_not_a_failure(catalogue):
    """P3: the page's error code tells us the difficulty."""
    t = tracker({}, intent="stuck", metadata={"page": "/council-tax/pay/verify", "error_code": "CARD_DECLINED"})
    messages, slots, _ = run(ActionCheckServiceStatus(catalogue, FakeApi("up")), t)
    assert messages[0]["response"] == "utter_service_up" and slots["system_failure"] is False
    assert slots["service"] == "pay_council_tax" and slots["problem"] == "card_declined"


def test_an_error_code_typed_by_the_customer_is_the_difficulty(catalogue):
    t = tracker({"service": "pay_council_tax"}, intent="report_problem", text="it says CVV_INVALID",
                entities=[entity("error_code", "CVV_INVALID")])
    _, slots, _ = run(ActionCheckServiceStatus(catalogue, FakeApi("up")), t)
    assert slots["problem"] == "security_code_invalid"


def test_the_page_tells_the_service_when_the_customer_did_not(catalogue):
    """P2: the page the widget is on names the goal."""
    _, slots, _ = run(ActionCheckServiceStatus(catalogue, FakeApi("up")), tracker({}, metadata={"page": "/bins/missed/date"}))
    assert slots["service"] == "report_missed_bin"


def test_a_service_named_now_wins_over_the_page(catalogue):
    t = tracker({"service": "apply_parking_permit"}, text="parking permit",
                entities=[entity("service", "apply_parking_permit")], metadata={"page": "/council-tax/pay/card"})
    _, slots, _ = run(ActionCheckServiceStatus(catalogue, FakeApi("up")), t)
    assert slots["service"] == "apply_parking_permit"


def test_a_sign_in_problem_without_a_service_goes_to_the_sign_in_service(catalogue):
    """The NLU often gives sign-in problems without a service: the problem names it."""
    t = tracker({"problem": "sign_in_failed"}, intent="report_problem", text="i cant log in",
                entities=[entity("problem", "sign_in_failed")])
    _, slots, _ = run(ActionCheckServiceStatus(catalogue, FakeApi("up")), t)
    assert slots["service"] == "sign_in_help" and slots["problem"] == "sign_in_failed"


def test_a_problem_several_services_share_asks_which_service(catalogue):
    """Ask only for what is missing: a declined card could be any payment."""
    api = FakeApi("up")
    t = tracker({"problem": "card_declined"}, intent="report_problem", entities=[entity("problem", "card_declined")])
    messages, slots, _ = run(ActionCheckServiceStatus(catalogue, api), t)
    assert responses(messages) == ["utter_ask_service_for_problem"] and api.calls == []
    assert slots == {"service": None, "system_failure": None}


def test_the_problem_is_kept_when_the_customer_then_names_the_service(catalogue):
    """Answering "which service?" with a goal keeps the difficulty already heard."""
    events = [user("report_problem", "my card was declined", [entity("problem", "card_declined")]),
              slot("problem", "card_declined"), slot("service", None)]
    t = tracker({"problem": "card_declined", "service": "pay_council_tax"}, intent="state_goal", text="council tax",
                entities=[entity("service", "pay_council_tax")],
                events=events + [user("state_goal", "council tax", [entity("service", "pay_council_tax")])])
    _, slots, _ = run(ActionCheckServiceStatus(catalogue, FakeApi("up")), t)
    assert slots["service"] == "pay_council_tax" and slots["problem"] == "card_declined"


def test_a_new_goal_starts_afresh(catalogue):
    """A goal message drops the old difficulty, step and way of working."""
    before = [slot("service", "pay_council_tax"), slot("problem", "card_declined")]
    t = tracker({"service": "pay_council_tax", "problem": "card_declined", "support_mode": "step_through",
                 "current_step": "card"}, intent="state_goal", text="i want to pay my council tax",
                entities=[entity("service", "pay_council_tax")], events=before)
    _, slots, _ = run(ActionCheckServiceStatus(catalogue, FakeApi("up")), t)
    assert slots["problem"] is None and slots["support_mode"] is None and slots["current_step"] is None


def test_a_problem_of_another_service_is_not_kept(catalogue):
    t = tracker({"service": "report_missed_bin", "problem": "card_declined"}, intent="report_problem",
                text="bins", entities=[entity("service", "report_missed_bin")])
    _, slots, _ = run(ActionCheckServiceStatus(catalogue, FakeApi("up")), t)
    assert slots["problem"] is None


def test_no_service_known_asks_which_one(catalogue):
    api = FakeApi("up")
    messages, _, _ = run(ActionCheckServiceStatus(catalogue, api), tracker({"service": "not_a_service"}))
    assert messages[0]["response"] == "utter_ask_service" and api.calls == []


def test_a_service_found_working_is_not_said_to_work_again_for_the_next_difficulty(catalogue):
    """The customer is told once that the service works: a second difficulty on the same service is
    checked again (the API is asked), but "it's working normally" is not repeated."""
    before = [slot("service", "pay_council_tax"), slot("system_failure", False)]
    api = FakeApi("up")
    t = tracker({"service": "pay_council_tax", "system_failure": False}, intent="report_problem",
                text="now it says my card was declined", entities=[entity("problem", "card_declined")], events=before)
    messages, slots, _ = run(ActionCheckServiceStatus(catalogue, api), t)
    assert api.calls == [("status", catalogue.get("pay_council_tax").status_key)]
    assert "utter_service_up" not in responses(messages)
    assert slots["system_failure"] is False and slots["problem"] == "card_declined"


@pytest.mark.parametrize("familiarity, said", [(None, ["utter_problem_noted"]), ("new", []), ("familiar", [])])
def test_a_difficulty_told_while_the_familiarity_question_waits_is_answered(catalogue, familiarity, said):
    """The familiarity question comes again after a second difficulty when it is not yet answered: the
    difficulty gets a word first (the summary that follows when it is answered has its own)."""
    before = [slot("service", "pay_council_tax"), slot("system_failure", False)]
    t = tracker({"service": "pay_council_tax", "system_failure": False, "familiarity": familiarity},
                intent="report_problem", text="it says my card was declined",
                entities=[entity("problem", "card_declined")], events=before)
    messages, _, _ = run(ActionCheckServiceStatus(catalogue, FakeApi("up")), t)
    assert responses(messages) == said


@pytest.mark.parametrize("earlier, intent", [
    ([slot("service", "pay_council_tax"), slot("system_failure", True)], "report_problem"),  # it was failing
    ([slot("service", "report_missed_bin"), slot("system_failure", False)], "report_problem"),  # another service
    ([slot("service", "pay_council_tax"), slot("system_failure", False), {"event": "restart"}],
     "report_problem"),  # started over
    ([slot("service", "pay_council_tax"), slot("system_failure", False)], "state_goal"),  # the goal afresh
])
def test_a_service_working_is_said_when_it_is_news(catalogue, earlier, intent):
    t = tracker({"service": "pay_council_tax"}, intent=intent, text="it won't take my card",
                entities=[entity("service", "pay_council_tax")], events=earlier)
    messages, _, _ = run(ActionCheckServiceStatus(catalogue, FakeApi("up")), t)
    assert responses(messages) == ["utter_service_up"]


def test_a_service_found_working_that_now_fails_is_said_to_fail(catalogue):
    before = [slot("service", "pay_council_tax"), slot("system_failure", False)]
    t = tracker({"service": "pay_council_tax", "system_failure": False}, intent="report_problem",
                text="it's broken now", events=before)
    messages, slots, _ = run(ActionCheckServiceStatus(catalogue, FakeApi("down")), t)
    assert responses(messages) == ["utter_service_down"] and slots["system_failure"] is True
