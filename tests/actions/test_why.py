"""action_explain_why: why a step or a question is needed, at any point (P10)."""

from __future__ import annotations

from actions.manner import ActionHandleFallback, ActionOutOfScope
from actions.status import ActionCheckServiceStatus
from actions.why import ActionExplainWhy
from tests.actions.support import FakeApi, asked, entity, followups, responses, run, tracker, user


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


def test_why_to_one_of_our_questions_says_why_we_ask_and_asks_it_again(catalogue):
    """Before: "why do you ask?" at "have you used our online services before?" got the service's
    summary, the question was lost, and the customer's answer to it was not understood."""
    for question, said in (("utter_ask_familiarity", "utter_why_familiarity"),
                           ("action_agree_problem", "utter_why_agreement"),
                           ("action_offer_support_options", "utter_why_options"),
                           ("action_read_back", "utter_why_consent")):
        events = asked(question) + [user("ask_why")]
        t = tracker({"service": "pay_council_tax"}, intent="ask_why", events=events)
        messages, _, raw = run(ActionExplainWhy(catalogue), t)
        assert responses(messages) == [said], question
        assert followups(raw) == [question]


def test_what_do_i_need_is_answered_from_the_catalogue_whatever_the_nlu_made_of_it(catalogue):
    """P1: "what paperwork do i need?" (out of scope to the NLU), "what will i need to have ready"
    (not understood), "what information do you need from me" ("why?") get the service's `you_need`,
    then the question they interrupted again. Before: "that's not something I can help with"."""
    permit = catalogue.get("apply_parking_permit")
    assert any("registration" in item for item in permit.you_need)
    for action, intent, text in ((ActionOutOfScope(catalogue), "out_of_scope", "what paperwork do i need?"),
                                 (ActionHandleFallback(catalogue), "nlu_fallback", "what will i need to have ready"),
                                 (ActionExplainWhy(catalogue), "ask_why", "what information do you need from me")):
        t = tracker({"service": "apply_parking_permit"}, intent=intent, text=text,
                    events=asked("action_agree_problem") + [user(intent, text)])
        messages, _, raw = run(action, t)
        assert responses(messages) == ["utter_you_need"], text
        assert messages[0]["goal"] == "apply for a resident parking permit"
        assert messages[0]["needs"].splitlines() == [f"• {item}" for item in permit.you_need]
        assert followups(raw) == ["action_agree_problem"]


def test_what_do_i_need_said_with_the_goal_is_answered_after_the_status(catalogue):
    text = "what do i need to apply for a parking permit"
    t = tracker({}, intent="state_goal", text=text, entities=[entity("service", "apply_parking_permit")])
    messages, slots, _ = run(ActionCheckServiceStatus(catalogue, FakeApi("up")), t)
    assert responses(messages) == ["utter_service_up", "utter_you_need"] and slots["service"] == "apply_parking_permit"


def test_what_do_i_need_without_a_service_or_to_do_on_the_page_is_not_the_list(catalogue):
    messages, _, _ = run(ActionOutOfScope(catalogue), tracker({}, intent="out_of_scope", text="what do i need?"))
    assert responses(messages) == ["utter_out_of_scope"]
    t = tracker({"service": "pay_council_tax"}, intent="out_of_scope", text="what do i need to do now?")
    messages, _, _ = run(ActionOutOfScope(catalogue), t)
    assert responses(messages) == ["utter_out_of_scope"]


def test_how_much_is_it_is_answered_from_the_catalogue_and_the_question_asked_again(catalogue):
    """P1: "hang on, how much is it?" at the read-back was "that's not something I can help with"."""
    read_back = asked("action_read_back", before="inform")
    for service_id in ("apply_parking_permit", "report_missed_bin", "pay_council_tax"):
        t = tracker({"service": service_id}, intent="out_of_scope", text="hang on, how much is it?",
                    events=read_back + [user("out_of_scope", "hang on, how much is it?")])
        messages, _, raw = run(ActionOutOfScope(catalogue), t)
        assert responses(messages) == ["utter_cost"] and messages[0]["cost"] == catalogue.get(service_id).cost
        assert followups(raw) == ["action_read_back"]
    assert "£60" in catalogue.get("apply_parking_permit").cost and "free" in catalogue.get("report_missed_bin").cost
    # "how much longer?" is not about the cost
    t = tracker({"service": "apply_parking_permit"}, intent="out_of_scope", text="how much longer will this take")
    messages, _, _ = run(ActionOutOfScope(catalogue), t)
    assert responses(messages) == ["utter_out_of_scope"]


def test_what_is_something_on_the_page_gets_the_pages_full_wording_not_its_why(catalogue):
    """P8: "what's an account reference?" (the NLU's "why?") got why the step is needed; the page's
    full instruction says what it is and where to find it."""
    step = catalogue.get("pay_council_tax").step("account")
    for text in ("what's an account reference?", "what does postcode mean"):
        t = tracker({"service": "pay_council_tax", "current_step": "account"}, intent="ask_why", text=text)
        messages, _, _ = run(ActionExplainWhy(catalogue), t)
        assert responses(messages) == ["utter_what_step_asks"], text
        assert messages[0]["step_instruction"] == step.instruction.new and "8-digit" in step.instruction.new
        assert messages[0]["custom"] == {"highlight": step.highlight}
    for text in ("why do you need it?", "what's the point of this page", "what is the reason for this"):
        t = tracker({"service": "pay_council_tax", "current_step": "account"}, intent="ask_why", text=text)
        messages, _, _ = run(ActionExplainWhy(catalogue), t)
        assert responses(messages) == ["utter_why_step"], text


def test_which_way_to_choose_is_answered_with_a_recommendation_and_the_ways_again(catalogue):
    """P11: "which one should i pick?" or "i don't understand" said to "How would you like to carry
    on?" got the agreement again (stuck) or "not something I can help with"; now a way is
    recommended for this customer, and the ways are offered again."""
    options = asked("action_offer_support_options", before="affirm")
    cases = ((ActionOutOfScope(catalogue), "out_of_scope", "which one should i pick?"),
             (ActionHandleFallback(catalogue), "nlu_fallback", "sorry i don't understand"),
             (ActionCheckServiceStatus(catalogue, FakeApi("up")), "stuck", "hmm not sure what you mean by that"))
    for familiarity, said in ((None, "utter_recommend_step_through"), ("new", "utter_recommend_step_through"),
                              ("familiar", "utter_recommend_alone")):
        for action, intent, text in cases:
            slots = {"service": "book_bulky_waste", "familiarity": familiarity, "system_failure": False}
            t = tracker(slots, intent=intent, text=text, events=options + [user(intent, text)])
            messages, _, raw = run(action, t)
            assert said in responses(messages), (familiarity, text)
            assert followups(raw) == ["action_offer_support_options"], text
    # after a system failure an adviser comes first: no recommendation to do it alone
    t = tracker({"service": "book_bulky_waste", "system_failure": True}, intent="out_of_scope", text="which one?",
                events=options + [user("out_of_scope", "which one?")])
    messages, _, _ = run(ActionOutOfScope(catalogue), t)
    assert responses(messages) == ["utter_out_of_scope_ask_again"]
