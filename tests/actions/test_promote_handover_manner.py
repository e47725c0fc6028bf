"""Promotion (P12), frustration and repair (P9), handover with a full summary (CS16, 6b)."""

from __future__ import annotations

from actions.handover import (
    ActionHandback,
    ActionHandover,
    ActionOfferCallbackAgain,
    build_handover_summary,
)
from actions.hub_api import HandoverResult, HubApiError
from actions.manner import (
    ActionAcknowledgeFrustration,
    ActionHandleFallback,
    ActionOutOfScope,
    ActionSmallTalk,
)
from actions.promote import ActionAcceptPromotion, ActionPromoteRelated
from actions.why import ActionExplainWhy
from tests.actions.support import (
    action,
    asked,
    entity,
    followups,
    responses,
    run,
    slot,
    tracker,
    user,
)

# --- promotion (P12) ----------------------------------------------------------------------

def test_after_success_one_related_service_is_offered_with_its_benefit(catalogue):
    related = catalogue.get("report_missed_bin").related[0]
    t = tracker({"service": "report_missed_bin"}, intent="step_done", events=[slot("service", "report_missed_bin")])
    messages, slots, _ = run(ActionPromoteRelated(catalogue), t)
    assert responses(messages) == ["utter_promote_related"] and messages[0]["benefit"] == related.benefit
    assert messages[0]["related_name"] == "book a bulky waste collection"
    assert slots == {"promoted_service": related.service, "outcome": "promotion_offered"}


def test_only_once_per_conversation(catalogue):
    t = tracker({"service": "book_bulky_waste", "promoted_service": "book_bulky_waste"}, intent="step_done")
    messages, slots, _ = run(ActionPromoteRelated(catalogue), t)
    assert responses(messages) == ["utter_anything_else"] and slots == {"outcome": "waiting"}


def test_a_service_already_used_is_not_promoted(catalogue):
    events = [slot("service", "update_contact_details"), slot("service", "pay_council_tax")]
    t = tracker({"service": "pay_council_tax"}, events=events)
    messages, _, _ = run(ActionPromoteRelated(catalogue), t)
    assert responses(messages) == ["utter_anything_else"]


def test_yes_makes_the_related_service_the_goal(catalogue):
    t = tracker({"service": "report_missed_bin", "promoted_service": "book_bulky_waste",
                 "support_mode": "step_through"}, intent="affirm")
    _, slots, _ = run(ActionAcceptPromotion(catalogue), t)
    assert slots == {"service": "book_bulky_waste", "problem": None, "support_mode": None, "current_step": None}


# --- frustration and repair (P9) ----------------------------------------------------------

def test_frustration_is_acknowledged_then_an_adviser_offered_the_second_time():
    first = tracker({}, intent="express_frustration")
    messages, slots, _ = run(ActionAcknowledgeFrustration(), first)
    assert responses(messages) == ["utter_frustration_empathy"] and slots == {"outcome": "waiting"}
    second = tracker({}, intent="express_frustration", events=[user("express_frustration"), slot("outcome", "waiting")])
    messages, slots, _ = run(ActionAcknowledgeFrustration(), second)
    assert responses(messages) == ["utter_frustration_offer_adviser"] and slots == {"outcome": "adviser_offered"}


def test_a_frustrated_customer_who_asks_for_a_person_is_handed_over_at_once():
    t = tracker({}, intent="express_frustration", text="this is ridiculous, get me a human")
    messages, _, events = run(ActionAcknowledgeFrustration(), t)
    assert responses(messages) == ["utter_frustration_sorry"]
    assert [e.get("name") for e in events if e.get("event") == "followup"] == ["action_handover"]


def test_a_person_turned_down_or_not_named_is_not_a_handover():
    for text in ("this is ridiculous, i don't want a human i want it to work", "this is so annoying",
                 "has someone even tested this website"):
        messages, _, events = run(ActionAcknowledgeFrustration(), tracker({}, intent="express_frustration", text=text))
        assert responses(messages) == ["utter_frustration_empathy"], text
        assert not [e for e in events if e.get("event") == "followup"]


def test_asking_for_a_person_again_while_handed_over_is_not_a_second_handover():
    t = tracker({"handover": "queued"}, intent="express_frustration", text="useless, get me a real person")
    messages, _, events = run(ActionAcknowledgeFrustration(), t)
    assert responses(messages) == ["utter_frustration_empathy"] and not [e for e in events if e.get("event") == "followup"]


def test_what_can_you_do_is_answered_with_what_the_assistant_does_not_a_refusal():
    for text in ("what can you do?", "so how can you help me", "What else can you do"):
        messages, _, _ = run(ActionOutOfScope(), tracker({}, intent="out_of_scope", text=text))
        assert responses(messages) == ["utter_iamabot"], text
    messages, _, _ = run(ActionOutOfScope(), tracker({}, intent="out_of_scope", text="what's the weather like"))
    assert responses(messages) == ["utter_out_of_scope"]


def test_two_misunderstandings_in_a_row_offer_an_adviser():
    messages, _, _ = run(ActionHandleFallback(), tracker({}, intent="nlu_fallback"))
    assert responses(messages) == ["utter_default"]
    t = tracker({}, intent="nlu_fallback", events=[user("nlu_fallback"), slot("outcome", "waiting")])
    messages, slots, _ = run(ActionHandleFallback(), t)
    assert responses(messages) == ["utter_default_offer_adviser"] and slots == {"outcome": "adviser_offered"}


def test_words_not_understood_that_name_our_problem_are_listened_to_before_any_plan(catalogue):
    """"reset code not received": the NLU was unsure (fallback), but the catalogue knows the problem.
    Before, "Sorry, I didn't quite follow that" and the list of services."""
    named = [entity("problem", "code_not_received")]
    t = tracker({"problem": "code_not_received"}, intent="nlu_fallback", text="reset code not received", entities=named)
    messages, _, events = run(ActionHandleFallback(catalogue), t)
    assert not messages and followups(events) == ["action_check_service_status"]
    # once a plan is agreed (here a step-through), or with words the catalogue does not know: as before
    t = tracker({"support_mode": "step_through"}, intent="nlu_fallback", text="reset code not received", entities=named)
    messages, _, events = run(ActionHandleFallback(catalogue), t)
    assert responses(messages) == ["utter_default"] and not followups(events)
    t = tracker({}, intent="nlu_fallback", text="blah", entities=[entity("problem", "no_such_problem")])
    messages, _, events = run(ActionHandleFallback(catalogue), t)
    assert responses(messages) == ["utter_default"] and not followups(events)


def test_misunderstandings_apart_do_not_count_as_in_a_row():
    events = [user("nlu_fallback"), user("step_done")]
    messages, _, _ = run(ActionHandleFallback(), tracker({}, intent="nlu_fallback", events=events + [slot("x", 1)]))
    assert responses(messages) == ["utter_default"]



def test_an_aside_in_the_middle_of_a_question_is_answered_and_the_question_asked_again():
    """Before: "thanks" or "are you a bot?" at "Have I got that right?" lost the question, and every
    "yes" after it was not understood."""
    for question in ("action_agree_problem", "utter_ask_familiarity", "action_offer_support_options",
                     "action_read_back"):
        for intent, said in (("thank", "utter_you_are_welcome_ask_again"), ("greet", "utter_greet_ask_again"),
                             ("bot_challenge", "utter_iamabot_ask_again")):
            messages, _, events = run(ActionSmallTalk(), tracker({}, intent=intent, events=asked(question) + [user(intent)]))
            assert responses(messages) == [said] and followups(events) == [question], (question, intent)
        messages, slots, events = run(ActionHandleFallback(),
                                      tracker({}, intent="nlu_fallback", events=asked(question) + [user("nlu_fallback")]))
        assert responses(messages) == ["utter_default_ask_again"] and followups(events) == [question]
        assert slots == {"outcome": "waiting"}
        for text, said in (("what's the weather", "utter_out_of_scope_ask_again"), ("what can you do", "utter_iamabot_ask_again")):
            t = tracker({}, intent="out_of_scope", text=text, events=asked(question) + [user("out_of_scope", text)])
            messages, _, events = run(ActionOutOfScope(), t)
            assert responses(messages) == [said] and followups(events) == [question], (question, text)


def test_an_aside_at_would_you_like_a_callback_asks_it_again_without_a_second_handover(catalogue):
    """Before: "thanks" after "Would you like a callback?" lost the question (the handover could not be
    run again: the hub would store a second request), and the "yes" after it was not understood."""
    offered = asked("action_handover")
    for answering, intent, said in ((ActionSmallTalk(), "thank", "utter_you_are_welcome_ask_again"),
                                    (ActionExplainWhy(catalogue), "ask_why", "utter_why_callback"),
                                    (ActionHandleFallback(), "nlu_fallback", "utter_default_ask_again")):
        t = tracker({"outcome": "callback_offered"}, intent=intent, events=offered + [user(intent)])
        messages, _, events = run(answering, t)
        assert responses(messages) == [said] and followups(events) == ["action_offer_callback_again"], intent
    messages, slots, _ = run(ActionOfferCallbackAgain(), tracker({"outcome": "callback_offered"}, intent="thank"))
    assert responses(messages) == ["utter_callback_offer_again"] and slots == {"outcome": "callback_offered"}
    # queued for an adviser (not a question): "thanks" is only thanked
    t = tracker({"outcome": "waiting", "handover": True}, intent="thank", events=offered + [user("thank")])
    messages, _, events = run(ActionSmallTalk(), t)
    assert responses(messages) == ["utter_you_are_welcome"] and not followups(events)


def test_another_organisations_account_is_answered_with_whom_to_contact():
    """"My PayPal account is locked" (out of scope, the organisation named by the NLU as typed)."""
    t = tracker({}, intent="out_of_scope", text="my PayPal account is locked", entities=[entity("organisation", "PayPal")])
    messages, _, _ = run(ActionOutOfScope(), t)
    assert responses(messages) == ["utter_out_of_scope_organisation"] and messages[0]["organisation"] == "PayPal"
    messages, _, _ = run(ActionOutOfScope(), tracker({}, intent="out_of_scope", text="what's the weather"))
    assert responses(messages) == ["utter_out_of_scope"]


def test_an_aside_with_no_question_pending_gets_the_whole_answer_and_nothing_asked_again():
    for intent, said in (("thank", "utter_you_are_welcome"), ("greet", "utter_greet"), ("bot_challenge", "utter_iamabot")):
        messages, _, events = run(ActionSmallTalk(), tracker({}, intent=intent))
        assert responses(messages) == [said] and not followups(events)
        # the last thing said was not a question with a choice (a step, an answer to "why?")
        events_before = asked("action_step_through") + [user(intent)]
        messages, _, events = run(ActionSmallTalk(), tracker({}, intent=intent, events=events_before))
        assert responses(messages) == [said] and not followups(events)
    # an earlier question, answered since, is not asked again
    earlier = asked("action_agree_problem") + [user("affirm"), action("action_retry_alone"),
                                               action("action_listen"), user("thank")]
    messages, _, events = run(ActionSmallTalk(), tracker({}, intent="thank", events=earlier))
    assert responses(messages) == ["utter_you_are_welcome"] and not followups(events)


def test_an_aside_while_a_form_asks_gets_the_short_answer_and_the_form_asks_again():
    """In the identity form "thanks" got "Is there anything else I can help with?" and "are you a
    bot?" the list of services to choose from, before the form's question; now the short answer."""
    for answering, intent, said in ((ActionSmallTalk(), "thank", "utter_you_are_welcome_ask_again"),
                                    (ActionSmallTalk(), "bot_challenge", "utter_iamabot_ask_again"),
                                    (ActionOutOfScope(), "out_of_scope", "utter_out_of_scope_ask_again"),
                                    (ActionHandleFallback(), "nlu_fallback", "utter_default_ask_again")):
        t = tracker({"requested_slot": "account_reference"}, intent=intent, active_loop="identity_form")
        messages, _, events = run(answering, t)
        assert responses(messages) == [said] and not followups(events), intent  # the form asks its own question


def test_a_question_already_asked_again_in_this_turn_is_not_asked_a_third_time():
    """Were the dialogue unsure after the question asked again, its fallback must not ask it in a loop."""
    events = asked("action_agree_problem") + [user("thank"), action("action_small_talk"),
                                              action("action_agree_problem")]
    t = tracker({}, intent="thank", events=events)
    t.events.pop()  # the builder ends with a new message; here the turn goes on after the question
    messages, _, raw = run(ActionHandleFallback(), t)
    assert not followups(raw) and responses(messages) == ["utter_default"]


def test_the_agreement_during_a_step_through_is_not_asked_again():
    """There it answered a problem on a page: "thanks" after it is not a reason to agree the plan again."""
    t = tracker({"support_mode": "step_through"}, intent="thank", events=asked("action_agree_problem") + [user("thank")])
    messages, _, events = run(ActionSmallTalk(), t)
    assert responses(messages) == ["utter_you_are_welcome"] and not followups(events)


def test_a_second_misunderstanding_at_a_question_offers_an_adviser_not_the_question():
    events = asked("action_agree_problem") + [user("nlu_fallback"), action("action_handle_fallback"),
                                              action("action_agree_problem"),
                                              action("action_listen"), user("nlu_fallback")]
    messages, slots, events = run(ActionHandleFallback(), tracker({}, intent="nlu_fallback", events=events))
    assert responses(messages) == ["utter_default_offer_adviser"] and slots == {"outcome": "adviser_offered"}
    assert not followups(events)

# --- handover (CS16) ------------------------------------------------------------------------

def conversation(catalogue):
    events = [
        user("report_problem", "trying to pay council tax and my card keeps getting declined",
             metadata={"page": "/council-tax/pay/verify", "error_code": "CARD_DECLINED"}),
        slot("service", "pay_council_tax"), slot("problem", "card_declined"), slot("familiarity", "new"),
        slot("support_mode", "retry_alone"),
        user("EXTERNAL_page_changed", "EXTERNAL: EXTERNAL_page_changed",
             [{"entity": "page", "value": "/council-tax/pay/verify"},
              {"entity": "error_code", "value": "SERVICE_ERROR"}]),
        slot("support_mode", "step_through"), slot("current_step", "verify"), slot("system_failure", True),
        slot("failure_details", "Pay your council tax: the page showed SERVICE_ERROR, a fault on our side"),
    ]
    return tracker({"service": "pay_council_tax", "problem": "card_declined", "familiarity": "new",
                    "support_mode": "step_through", "current_step": "verify", "system_failure": True,
                    "identity_verified": False}, intent="affirm", text="yes please", events=events)


def test_the_summary_has_everything_the_adviser_needs(catalogue):
    """CS16: goal, problem, familiarity, step, pages, error codes, what was tried, identity, reason, words."""
    summary = build_handover_summary(conversation(catalogue), catalogue)
    assert summary.goal == "pay_council_tax" and summary.goal_name == "Pay your council tax"
    assert summary.problem == "card_declined" and summary.familiarity == "new"
    assert summary.step_reached == catalogue.get("pay_council_tax").step("verify").title
    assert summary.pages_visited == ["/council-tax/pay/verify"]
    assert summary.error_codes == ["CARD_DECLINED", "SERVICE_ERROR"]
    assert summary.tried == ["retry_alone", "step_through"]
    assert summary.identity_verified is False and summary.reason == "system_failure"
    assert summary.step_id == "verify" and "SERVICE_ERROR" in summary.failure_details
    assert summary.customer_words == ["trying to pay council tax and my card keeps getting declined", "yes please"]
    assert "identity_token" not in summary.as_dict()


class FakeDesk:
    """The hub's handover API, scripted: an answer or an error; records every summary."""

    def __init__(self, result=None, error=None):
        self.result, self.error, self.requests = result, error, []

    async def request(self, summary):
        self.requests.append(summary)
        if self.error:
            raise self.error
        return self.result


QUEUED = HandoverResult(status="waiting", handover_id=7, position=2, wait_minutes=4, advisers_online=1)


def test_handover_tells_the_customer_who_and_why_and_their_place_in_the_queue(catalogue):
    desk = FakeDesk(QUEUED)
    messages, slots, _ = run(ActionHandover(catalogue, desk), conversation(catalogue))
    assert responses(messages) == ["utter_handover_reason_system_failure", "utter_handover_queued"]
    assert messages[1]["position"] == 2 and messages[1]["wait_minutes"] == 4 and messages[1]["wait"] == "4 minutes"
    assert slots["handover"] is True and desk.requests[0].goal == "pay_council_tax"


def test_a_chat_an_adviser_already_has_is_not_queued_again(catalogue):
    """Not "you're number 1 in the queue" when an adviser has the chat already."""
    desk = FakeDesk(HandoverResult(status="claimed", position=0, wait_minutes=0, already_open=True))
    messages, slots, _ = run(ActionHandover(catalogue, desk), tracker({}, intent="request_human"))
    assert responses(messages) == ["utter_handover_claimed"] and slots["handover"] is True


def test_a_chat_already_waiting_is_told_its_place_and_a_short_wait_reads_well(catalogue):
    """"about a minute", not "about 1 minutes"."""
    desk = FakeDesk(HandoverResult(status="waiting", position=1, wait_minutes=1, already_open=True))
    messages, slots, _ = run(ActionHandover(catalogue, desk), tracker({}, intent="request_human"))
    assert responses(messages) == ["utter_handover_already_queued"] and slots["handover"] is True
    assert messages[0]["position"] == 1 and messages[0]["wait"] == "a minute"


def test_out_of_hours_a_callback_is_offered_with_the_opening_hours(catalogue):
    desk = FakeDesk(HandoverResult(status="callback_offered", why="out_of_hours",
                                   opening_hours="Monday to Friday 08:00 to 18:00",
                                   next_opening="2026-11-30T08:00:00+00:00"))
    messages, slots, _ = run(ActionHandover(catalogue, desk), tracker({}, intent="request_human"))
    assert responses(messages) == ["utter_callback_offer_out_of_hours"]
    assert messages[0]["next_opening"] == "Monday 30 November at 08:00"
    assert messages[0]["opening_hours"] == "Monday to Friday 08:00 to 18:00"
    assert slots == {"handover": False, "outcome": "callback_offered"}  # the assistant still answers


def test_nobody_online_a_callback_is_offered(catalogue):
    desk = FakeDesk(HandoverResult(status="callback_offered", why="no_adviser_online"))
    messages, slots, _ = run(ActionHandover(catalogue, desk), tracker({}, intent="request_human"))
    assert responses(messages) == ["utter_callback_offer_no_adviser_online"]
    assert slots["outcome"] == "callback_offered"


def test_a_hub_that_fails_is_said_honestly_never_an_adviser_will_reply(catalogue):
    for error in (HubApiError("did not answer in 5 s", timed_out=True),
                  HubApiError("answered 500", status=500), RuntimeError("bug")):
        messages, slots, _ = run(ActionHandover(catalogue, FakeDesk(error=error)), tracker({}, intent="request_human"))
        assert responses(messages) == ["utter_handover_failed"], error
        assert slots["handover"] is False


def test_handback_at_a_step_carries_on_from_that_step(catalogue):
    t = tracker({"handover": True, "service": "pay_council_tax", "familiarity": "new"},
                intent="EXTERNAL_handback", entities=[{"entity": "step", "value": "amount"},
                                                      {"entity": "note", "value": "identity checked by phone"}])
    messages, slots, _ = run(ActionHandback(catalogue), t)
    step = catalogue.get("pay_council_tax").step("amount")
    assert responses(messages)[0] == "utter_handback_at_step" and messages[0]["step_title"] == step.title
    assert responses(messages)[1] in ("utter_step", "utter_step_with_link")
    assert slots["current_step"] == "amount" and slots["support_mode"] == "step_through"
    assert slots["handover"] is False


def test_back_by_the_customers_choice_says_so(catalogue):
    t = tracker({"handover": True}, intent="EXTERNAL_handback", entities=[{"entity": "by", "value": "customer"}])
    messages, slots, _ = run(ActionHandback(catalogue), t)
    assert responses(messages) == ["utter_back_with_assistant"] and slots["handover"] is False


def test_handback_says_the_assistant_is_back():
    messages, slots, _ = run(ActionHandback(), tracker({"handover": True}, intent="EXTERNAL_handback"))
    assert responses(messages) == ["utter_handback"] and slots["handover"] is False

