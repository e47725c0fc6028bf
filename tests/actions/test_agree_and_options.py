"""Familiarity (P4), agreeing the problem (P6) and offering the options (P5, P11, 6b)."""

from __future__ import annotations

import pytest

from actions.agree import ActionAgreeProblem, ActionRecordFamiliarity, ActionTakeCorrection
from actions.support_options import ActionOfferSupportOptions, ActionRetryAlone
from tests.actions.support import (
    FakeApi,
    bot,
    entity,
    followups,
    responses,
    run,
    slot,
    tracker,
    user,
)


@pytest.mark.parametrize("intent, familiarity", [("affirm", "familiar"), ("deny", "new")])
def test_yes_or_no_to_have_you_used_them_before_is_kept(intent, familiarity):
    """P4: "Have you used our online services before?" — yes is familiar, no is new."""
    _, slots, _ = run(ActionRecordFamiliarity(), tracker({}, intent=intent))
    assert slots == {"familiarity": familiarity}


@pytest.mark.parametrize("text", ["ok", "Okay.", "right then", "thanks"])
def test_ok_to_have_you_used_them_before_is_not_taken_for_a_yes(text):
    """P4: "ok" says the question was read, not that they have used the services before: it is
    not kept as familiar (which would give them the short reminders), and they are told why the
    question comes again."""
    messages, slots, _ = run(ActionRecordFamiliarity(), tracker({}, intent="affirm", text=text))
    assert slots == {"familiarity": None} and responses(messages) == ["utter_familiarity_unclear"]


@pytest.mark.parametrize("text", ["yes", "ok yes", "yes i have", "yeah loads of times"])
def test_a_yes_with_or_without_ok_is_a_yes(text):
    messages, slots, _ = run(ActionRecordFamiliarity(), tracker({}, intent="affirm", text=text))
    assert slots == {"familiarity": "familiar"} and messages == []


def test_the_goal_alone_is_summed_up(catalogue):
    messages, _, _ = run(ActionAgreeProblem(catalogue), tracker({"service": "report_missed_bin"}))
    assert responses(messages) == ["utter_agree_goal"]
    assert messages[0]["goal"] == "report a missed bin collection"


def test_goal_problem_and_place_are_summed_up_in_the_customers_words(catalogue):
    """P6: goal + difficulty (their own words) + where it happened, in one message."""
    text = "paying my council tax and it keeps saying declined"
    events = [user("report_problem", text, [entity("problem", "card_declined", text.index("declined"), len(text))])]
    t = tracker({"service": "pay_council_tax", "problem": "card_declined"}, intent="affirm", events=events)
    messages, _, _ = run(ActionAgreeProblem(catalogue), t)
    assert responses(messages) == ["utter_agree_problem"]
    assert messages[0]["problem_words"] == "declined"
    assert messages[0]["step_title"] == catalogue.get("pay_council_tax").step("verify").title
    assert messages[0]["goal"] == "pay your council tax"


def test_a_difficulty_the_catalogue_does_not_know_is_said_back_in_their_words_with_its_page(catalogue):
    """P6: before, "it won't let me pick more than 3 items" on the items page got the goal alone
    ("So you'd like to book a bulky waste collection"), as if nothing had been said."""
    text = "it won't let me pick more than 3 items"
    t = tracker({"service": "book_bulky_waste"}, intent="report_problem", text=text,
                metadata={"page": "/bulky-waste/items"})
    messages, _, _ = run(ActionAgreeProblem(catalogue), t)
    assert responses(messages) == ["utter_agree_problem_untold"]
    assert messages[0]["problem_words"] == text
    assert messages[0]["step_title"] == catalogue.get("book_bulky_waste").step("items").title
    nowhere = tracker({"service": "book_bulky_waste"}, intent="report_problem", text=text)
    assert responses(run(ActionAgreeProblem(catalogue), nowhere)[0]) == ["utter_agree_goal"]  # no page to name


NEW_CUSTOMER_DECLINED = {"service": "pay_council_tax", "problem": "card_declined", "familiarity": "new"}


def agreement_after(catalogue, earlier: list[dict], slots: dict | None = None) -> list[str]:
    """The response action_agree_problem chooses after `earlier`, for the customer's latest message."""
    t = tracker(slots or NEW_CUSTOMER_DECLINED, intent="report_problem",
                events=earlier + [user("report_problem", "it says my card was declined")])
    messages, _, _ = run(ActionAgreeProblem(catalogue), t)
    return responses(messages)


def test_a_new_customer_is_told_we_will_take_it_slowly_once_not_for_every_difficulty(catalogue):
    """P4: the reassurance is in the first agreement with a new customer; a second difficulty in the
    same conversation is agreed without saying it again."""
    assert agreement_after(catalogue, [slot("familiarity", "new")]) == ["utter_agree_problem"]
    said_while_new = [slot("familiarity", "new"), bot("utter_agree_goal"), user("affirm")]
    assert agreement_after(catalogue, said_while_new) == ["utter_agree_problem_reassured"]
    told_out_of_the_blue = [user("express_new_user"), slot("familiarity", "new"), bot("utter_ack_new_user"),
                            user("state_goal")]
    goal_only = dict(NEW_CUSTOMER_DECLINED, problem=None)
    assert agreement_after(catalogue, told_out_of_the_blue, goal_only) == ["utter_agree_goal_reassured"]


def test_the_reassurance_is_said_when_it_was_not_yet(catalogue):
    """An agreement said before the customer said they were new had no reassurance in it, and a restart
    or a new session starts afresh; a familiar customer's wording has none to repeat."""
    before_they_said = [bot("utter_agree_goal"), user("express_new_user"), slot("familiarity", "new")]
    assert agreement_after(catalogue, before_they_said) == ["utter_agree_problem"]
    for fresh_start in ({"event": "restart"}, {"event": "session_started"}):
        earlier = [slot("familiarity", "new"), bot("utter_agree_problem"), fresh_start, slot("familiarity", "new")]
        assert agreement_after(catalogue, earlier) == ["utter_agree_problem"]
    familiar = dict(NEW_CUSTOMER_DECLINED, familiarity="familiar")
    earlier = [slot("familiarity", "familiar"), bot("utter_agree_problem")]
    assert agreement_after(catalogue, earlier, familiar) == ["utter_agree_problem"]


def test_a_problem_told_of_during_a_step_through_is_helped_with_not_agreed_again(catalogue):
    """P8: stepping through, the customer says what went wrong: the plan stands, so the assistant
    helps with the problem on its step (a known one) or with the step they are on (one it does not
    know), instead of "Let me check I've understood" and the options all over again."""
    stepping = {"service": "apply_parking_permit", "support_mode": "step_through", "current_step": "eligibility",
                "familiarity": "new", "system_failure": False}
    known = tracker(dict(stepping, problem="vehicle_not_found"), intent="report_problem",
                    text="it says my registration isn't recognised")
    messages, slots, _ = run(ActionAgreeProblem(catalogue), known)
    assert responses(messages) == ["utter_problem_told"]
    assert messages[0]["step_title"] == "Your vehicle" and "vehicle register" in messages[0]["help"]
    assert slots["problem"] == "vehicle_not_found"
    unknown = tracker(stepping, intent="report_problem", text="it's gone all funny")
    messages, slots, _ = run(ActionAgreeProblem(catalogue), unknown)
    assert responses(messages) == ["utter_stuck_help"] and messages[0]["step_title"] == "Check you can apply"
    not_stepping = tracker(dict(stepping, support_mode="retry_alone", problem="vehicle_not_found"),
                           intent="report_problem")
    assert responses(run(ActionAgreeProblem(catalogue), not_stepping)[0]) == ["utter_agree_problem"]


def test_a_problem_from_the_page_is_summed_up_with_the_catalogue_phrase(catalogue):
    t = tracker({"service": "report_missed_bin", "problem": "report_too_late"})
    messages, _, _ = run(ActionAgreeProblem(catalogue), t)
    assert messages[0]["problem_words"] == catalogue.get("report_missed_bin").problem("report_too_late").phrases[0]


def test_a_fixable_problem_gets_a_tip_and_the_three_options(catalogue):
    """P5: a retry with a tip first; P11: step-through and do-it-for-me with honest pros and cons."""
    service = catalogue.get("pay_council_tax")
    t = tracker({"service": "pay_council_tax", "problem": "card_declined", "system_failure": False})
    messages, _, _ = run(ActionOfferSupportOptions(catalogue, FakeApi()), t)
    assert responses(messages) == ["utter_retry_tip", "utter_support_options"]
    assert messages[0]["tip"] == service.problem("card_declined").help
    assert messages[1]["self_service"] == service.completion.pros_cons.self_service
    assert messages[1]["assisted"] == service.completion.pros_cons.assisted


def test_a_goal_without_a_problem_gets_the_options_without_a_tip(catalogue):
    t = tracker({"service": "book_bulky_waste", "system_failure": False})
    messages, _, _ = run(ActionOfferSupportOptions(catalogue, FakeApi()), t)
    assert responses(messages) == ["utter_support_options"]


def test_after_trying_alone_the_retry_is_not_offered_again(catalogue):
    t = tracker({"service": "pay_council_tax", "problem": "card_declined", "support_mode": "retry_alone",
                 "system_failure": False})
    messages, _, _ = run(ActionOfferSupportOptions(catalogue, FakeApi()), t)
    assert responses(messages) == ["utter_support_options_after_retry"]


@pytest.mark.parametrize("status, response", [("down", "utter_failure_options"),
                                              ("degraded", "utter_failure_options"),
                                              ("up", "utter_failure_options_with_assist")])
def test_a_system_failure_offers_an_adviser_and_do_it_for_me_only_if_that_route_works(catalogue, status, response):
    """6b: adviser first; doing it for them only when the service API still answers up."""
    t = tracker({"service": "pay_council_tax", "system_failure": True})
    messages, _, _ = run(ActionOfferSupportOptions(catalogue, FakeApi(status)), t)
    assert responses(messages) == [response]


def test_trying_again_alone_is_recorded():
    t = tracker({"service": "pay_council_tax", "problem": "card_declined"}, intent="affirm")
    messages, slots, _ = run(ActionRetryAlone(), t)
    assert responses(messages) == ["utter_retry_go_ahead"] and slots == {"support_mode": "retry_alone"}


def test_having_a_go_alone_without_a_difficulty_is_not_told_to_try_again():
    """Before, "I'll have a go myself" with no difficulty told of got "Tell me if it happens again"."""
    messages, slots, _ = run(ActionRetryAlone(), tracker({"service": "book_bulky_waste"}, intent="affirm"))
    assert responses(messages) == ["utter_go_ahead_alone"] and slots == {"support_mode": "retry_alone"}


def test_no_with_the_correction_in_it_takes_the_correction():
    """"No, it's my parking permit" to "Have I got that right?" was asked "What are you trying to do?",
    as if the customer had not just said; a bare no still is."""
    service = [entity("service", "apply_parking_permit")]
    messages, _, events = run(ActionTakeCorrection(), tracker({}, intent="deny", text="no, it's my parking permit",
                                                              entities=service))
    assert not messages and followups(events) == ["action_check_service_status"]  # a new service is checked first
    problem = [entity("problem", "card_declined")]
    messages, _, events = run(ActionTakeCorrection(), tracker({"service": "pay_council_tax"}, intent="deny",
                                                              text="no, my card was declined", entities=problem))
    assert not messages and followups(events) == ["action_agree_problem"]
    messages, _, events = run(ActionTakeCorrection(), tracker({}, intent="deny", text="no that's not it"))
    assert responses(messages) == ["utter_ask_correction"] and not followups(events)


def test_what_the_service_does_not_do_is_said_before_the_agreement_once(catalogue):
    """"I've moved house and need to update my address" was agreed as updating contact details (email
    and phone only) without a word: the customer was about to be taken through the wrong service."""
    text = "i've moved house and need to update my address"
    t = tracker({"service": "update_contact_details"}, text=text)
    messages, _, _ = run(ActionAgreeProblem(catalogue), t)
    assert responses(messages) == ["utter_not_covered", "utter_agree_goal"]
    assert "not your home address" in messages[0]["note"]
    said = catalogue.get("update_contact_details").does_not_cover[0].say
    again = tracker({"service": "update_contact_details"}, intent="deny", text="no",
                    events=[user("state_goal", text), bot("utter_not_covered", said), user("deny", "no")])
    messages, _, _ = run(ActionAgreeProblem(catalogue), again)
    assert responses(messages) == ["utter_agree_goal"]  # once is enough
    messages, _, _ = run(ActionAgreeProblem(catalogue), tracker({"service": "update_contact_details"},
                                                                text="i need to change my email address"))
    assert responses(messages) == ["utter_agree_goal"]
