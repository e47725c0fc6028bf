"""Writes the test stories (tests/stories/test_*.yml) that `rasa test --fail-on-prediction-errors` runs.

    .venv/bin/python -m tests.stories.build      # rewrite the YAML after changing a story here

Stories are written in Python so every action is followed by exactly the slots it sets (the
dialogue's next move depends on them) and the evidence matrix covers every service. Each story
names the STANDARD.md row it is evidence for. The YAML is what gets reviewed and run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

Step = dict[str, Any]


def _slots(slots: dict[str, Any]) -> list[Step]:
    return [{"slot_was_set": [{k: v} for k, v in slots.items()]}] if slots else []


def say(text: str, intent: str, **slots: Any) -> list[Step]:
    """A customer message (entities annotated in the text) and the slots it fills."""
    for name in ("service", "problem", "familiarity"):
        from_intent = name == "familiarity" and intent.startswith("express_")
        if slots.get(name) and not from_intent and f'"entity": "{name}"' not in text:
            raise ValueError(f"{text!r} sets {name} but does not say it")
    return [{"user": text, "intent": intent}] + _slots(slots)


def page(path: str, error_code: str | None = None, **slots: Any) -> list[Step]:
    """A page_view, as the hub sends it: the external intent with page (and error_code) entities."""
    entities = [{"page": path}] + ([{"error_code": error_code}] if error_code else [])
    return [{"intent": "EXTERNAL_page_changed", "entities": entities}] + _slots(slots)


def act(name: str, **slots: Any) -> list[Step]:
    return [{"action": name}] + _slots(slots)


def loop(name: str | None) -> list[Step]:
    return [{"active_loop": name}]


def ent(words: str, entity: str, value: str | None = None) -> str:
    if value is None:
        return f"[{words}]({entity})"
    return f"[{words}]" + json.dumps({"entity": entity, "value": value})


def story(title: str, *parts: list[Step]) -> dict[str, Any]:
    return {"story": title, "steps": [step for part in parts for step in part]}


# --- reusable stretches ------------------------------------------------------------------------

def checked(service: str, failure: bool = False) -> list[Step]:
    return act("action_check_service_status", service=service, system_failure=failure)


def agreed_and_offered() -> list[Step]:
    return act("action_agree_problem") + say("yes that's right", "affirm") + act("action_offer_support_options")


def step(**slots: Any) -> list[Step]:
    return act("action_step_through", **{**slots, "outcome": slots.get("outcome", "waiting")})


def finished_and_declined() -> list[Step]:
    return (act("action_promote_related", outcome="promotion_offered")
            + say("no thanks", "deny") + act("utter_promotion_declined"))


# --- the evidence matrix: every service x new/familiar x the customer's slip / a system failure --

SERVICES = {
    # service: (how customers name it, a problem they cause, its words, a later page, the done page)
    "pay_council_tax": ("council tax", "card_declined", "card keeps getting declined", "/council-tax/pay/verify",
                        "/council-tax/pay/confirmation"),
    "report_missed_bin": ("missed bin", "report_too_late", "too late to report", "/bins/missed/date",
                          "/bins/missed/confirmation"),
    "apply_parking_permit": ("parking permit", "vehicle_not_found", "vehicle not found", "/parking/permit/vehicle",
                             "/parking/permit/confirmation"),
    "update_contact_details": ("phone number", "phone_invalid", "won't accept my mobile number",
                               "/account/details/edit", "/account/details/saved"),
    "book_bulky_waste": ("bulky waste", "too_many_items", "too many items", "/bulky-waste/items",
                         "/bulky-waste/confirmation"),
    "sign_in_help": ("reset my password", "code_invalid", "code is invalid", "/sign-in/forgot/code",
                     "/sign-in/forgot/done"),
}


def matrix() -> list[dict[str, Any]]:
    stories = []
    for service, (name, problem, words, later, done) in SERVICES.items():
        named = ent(name, "service", service)
        trouble = ent(words, "problem", problem)
        stories.append(story(
            f"{service}: new customer, their own slip, stepped through to the end (5a, 6a, P4, P5, P6, P8, P12)",
            say(f"{ent('first time', 'familiarity', 'new')} doing this online, {named} and it says {trouble}",
                "report_problem", service=service, problem=problem, familiarity="new"),
            checked(service), agreed_and_offered(),
            say("can you walk me through it", "request_step_through"),
            step(support_mode="step_through", current_step="start"),
            page(later), step(),
            say("done", "step_done"), step(),
            page(done), step(outcome="finished"),
            finished_and_declined(),
        ))
        stories.append(story(
            f"{service}: familiar customer, their own slip, tries again alone and it works (5b, 6a, P5, P12)",
            say(f"i {ent('do this every month', 'familiarity', 'familiar')} but today {named} says {trouble}",
                "report_problem", service=service, problem=problem, familiarity="familiar"),
            checked(service), agreed_and_offered(),
            say("i'll have another go", "affirm"), act("action_retry_alone", support_mode="retry_alone"),
            say("that worked", "step_done"), step(outcome="finished"),
            finished_and_declined(),
        ))
        stories.append(story(
            f"{service}: new customer, the system has failed, passed to an adviser (5a, 6b, CS16)",
            say(f"hi i'm {ent('new to this', 'familiarity', 'new')}, i want to do {named}", "state_goal",
                service=service, familiarity="new"),
            checked(service, failure=True), act("action_offer_support_options"),
            say("yes please", "affirm"), act("action_handover", handover=True, outcome="waiting"),
        ))
        stories.append(story(
            f"{service}: familiar customer, the system has failed, will try later (5b, 6b)",
            say(f"{ent('done it loads', 'familiarity', 'familiar')}, {named} isn't working today", "report_problem",
                service=service, familiarity="familiar"),
            checked(service, failure=True), act("action_offer_support_options"),
            say("no i'll try later", "deny"), act("utter_try_later"),
        ))
    return stories


# --- the rest of the flow ----------------------------------------------------------------------------

CT = ent("council tax", "service", "pay_council_tax")
BIN = ent("missed bin", "service", "report_missed_bin")


def conversation() -> list[dict[str, Any]]:
    return [
        story("greet, say what you want, asked how familiar (P2, P4)",
              say("hello", "greet"), act("action_small_talk"),
              say(f"i want to pay my {CT}", "state_goal", service="pay_council_tax"),
              checked("pay_council_tax"), act("utter_ask_familiarity"),
              say("No, this is my first time", "express_new_user", familiarity="new"),
              act("action_agree_problem")),
        story("a self-report that also names the service is listened to (P2, P4)",
              say(f"i'm {ent('new to all this', 'familiarity', 'new')} and need to do my {CT}", "express_new_user",
                  service="pay_council_tax", familiarity="new"),
              checked("pay_council_tax"), act("action_agree_problem")),
        story("asked how familiar, typed yes (P4)",
              say(f"report a {BIN}", "state_goal", service="report_missed_bin"),
              checked("report_missed_bin"), act("utter_ask_familiarity"),
              say("yes i have", "affirm"), act("action_record_familiarity", familiarity="familiar"),
              act("action_agree_problem")),
        story("asked how familiar, typed no (P4)",
              say(f"{ent('parking permit', 'service', 'apply_parking_permit')} please", "state_goal",
                  service="apply_parking_permit"),
              checked("apply_parking_permit"), act("utter_ask_familiarity"),
              say("no never", "deny"), act("action_record_familiarity", familiarity="new"),
              act("action_agree_problem"), say("yes", "affirm"), act("action_offer_support_options")),
        story("the summary was wrong and is corrected, then summed up again (P6)",
              say(f"i {ent('know the site', 'familiarity', 'familiar')}, want to pay my {CT}", "state_goal",
                  service="pay_council_tax", familiarity="familiar"),
              checked("pay_council_tax"), act("action_agree_problem"),
              say("no that's not it", "deny"), act("action_take_correction"),
              say(f"i want to book a {ent('bulky waste', 'service', 'book_bulky_waste')} collection", "state_goal",
                  service="book_bulky_waste"),
              checked("book_bulky_waste"), agreed_and_offered()),
        story("a problem without the service: asked which, then the problem is kept (P3)",
              say(f"my {ent('card was declined', 'problem', 'card_declined')}", "report_problem",
                  problem="card_declined"),
              act("action_check_service_status", service=None, system_failure=None),
              say(f"{CT}", "state_goal", service="pay_council_tax"),
              checked("pay_council_tax"), act("utter_ask_familiarity")),
        story("stuck before any plan, on a page showing an error: listened to, checked, agreed (P3, 6a)",
              say(f"i'm {ent('not very confident online', 'familiarity', 'new')} and i'm stuck", "stuck",
                  familiarity="new"),
              checked("pay_council_tax"), agreed_and_offered(),
              say("show me how", "request_step_through"), step(support_mode="step_through", current_step="verify")),
        story("step-through: why at a step, then carry on (P10)",
              say(f"walk me through the {CT} payment", "request_step_through", service="pay_council_tax"),
              step(support_mode="step_through", current_step="start"),
              page("/council-tax/pay/account"), step(current_step="account"),
              say("why do you need my postcode?", "ask_why"), act("action_explain_why"),
              say("ok done", "step_done"), step(current_step="amount")),
        story("step-through: stuck, helped with the known problems, then done (P8, 6a)",
              say(f"show me how to report a {BIN}", "request_step_through", service="report_missed_bin"),
              step(support_mode="step_through", current_step="start"),
              page("/bins/missed/postcode"), step(current_step="postcode"),
              say("i'm stuck", "stuck"), step(),
              say("that's done", "step_done"), step(current_step="address")),
        story("step-through: stuck three times at one step, yes to an adviser (P9, CS16)",
              say(f"guide me through {ent('bulky waste', 'service', 'book_bulky_waste')}", "request_step_through",
                  service="book_bulky_waste"),
              step(support_mode="step_through", current_step="start"),
              say("i'm stuck", "stuck"), step(),
              say("still stuck", "stuck"), step(),
              say("i can't find it", "stuck"), step(outcome="adviser_offered"),
              say("yes", "affirm"), act("action_handover", handover=True, outcome="waiting")),
        story("step-through: stuck three times, no thanks, carry on (P9)",
              say(f"step me through paying my {CT}", "request_step_through", service="pay_council_tax"),
              step(support_mode="step_through", current_step="start"),
              say("stuck", "stuck"), step(), say("stuck", "stuck"), step(),
              say("i'm lost", "stuck"), step(outcome="adviser_offered"),
              say("no let's keep going", "deny"), act("utter_carry_on"),
              say("done it", "step_done"), step(current_step="account")),
        story("step-through: an off-route page, brought back (P8)",
              say(f"can you show me how to apply for a {ent('parking permit', 'service', 'apply_parking_permit')}",
                  "request_step_through", service="apply_parking_permit"),
              step(support_mode="step_through", current_step="start"),
              page("/bulky-waste"), step(),
              page("/parking/permit/eligibility"), step(current_step="eligibility")),
        story("step-through: the page shows the customer's error, then they get past it (6a, P9)",
              say(f"talk me through the {CT} payment", "request_step_through", service="pay_council_tax"),
              step(support_mode="step_through", current_step="start"),
              page("/council-tax/pay/account", "CT_ACCOUNT_NOT_FOUND"), step(current_step="account"),
              page("/council-tax/pay/amount"), step(current_step="amount")),
        story("step-through: the page shows a system fault, passed to an adviser (6b, CS16)",
              say(f"walk me through reporting a {BIN}", "request_step_through", service="report_missed_bin"),
              step(support_mode="step_through", current_step="start"),
              page("/bins/missed/check", "SERVICE_ERROR"), step(outcome="failed", system_failure=True),
              act("action_offer_support_options"),
              say("yes an adviser please", "affirm"), act("action_handover", handover=True, outcome="waiting")),
        story("step-through: 'I already did that' moves on (digression)",
              say(f"step by step please, i need to {ent('reset my password', 'service', 'sign_in_help')}", "request_step_through", service="sign_in_help"),
              step(support_mode="step_through", current_step="sign_in"),
              say("i already did that", "step_done"), step(current_step="request_code"),
              say("what now", "step_done"), step(current_step="enter_code")),
        story("step-through: a new service mid-flow is listened to afresh (digression)",
              say(f"walk me through paying {CT}", "request_step_through", service="pay_council_tax"),
              step(support_mode="step_through", current_step="start"),
              say(f"actually i need to change my {ent('phone number', 'service', 'update_contact_details')} first",
                  "state_goal", service="update_contact_details"),
              act("action_check_service_status", service="update_contact_details", system_failure=False,
                  support_mode=None),
              act("utter_ask_familiarity"),
              say("Yes, I've used them before", "express_experienced_user", familiarity="familiar"),
              act("action_agree_problem")),
        story("why, outside a step-through (P10)",
              say(f"i want to report a {BIN}", "state_goal", service="report_missed_bin"),
              checked("report_missed_bin"), act("utter_ask_familiarity"),
              say("why do you need to know that", "ask_why"), act("action_explain_why")),
        story("not understood twice in a row, yes to an adviser (repair, CS16)",
              say("flurb wibble", "nlu_fallback"), act("action_handle_fallback", outcome="waiting"),
              say("asdf qwerty", "nlu_fallback"), act("action_handle_fallback", outcome="adviser_offered"),
              say("yes", "affirm"), act("action_handover", handover=True, outcome="waiting")),
        story("not understood twice, no thanks (repair)",
              say("blah", "nlu_fallback"), act("action_handle_fallback", outcome="waiting"),
              say("hmm blah", "nlu_fallback"), act("action_handle_fallback", outcome="adviser_offered"),
              say("no", "deny"), act("utter_carry_on"),
              say(f"i want to pay {CT}", "state_goal", service="pay_council_tax"), checked("pay_council_tax"),
              act("utter_ask_familiarity")),
        story("frustration is acknowledged (P9)",
              say("this is so frustrating", "express_frustration"),
              act("action_acknowledge_frustration", outcome="waiting")),
        story("frustrated twice: an adviser is offered and accepted (P9, CS16)",
              say(f"walk me through paying {CT}", "request_step_through", service="pay_council_tax"),
              step(support_mode="step_through", current_step="start"),
              say("this is ridiculous", "express_frustration"),
              act("action_acknowledge_frustration", outcome="waiting"),
              say("i'm fed up", "express_frustration"),
              act("action_acknowledge_frustration", outcome="adviser_offered"),
              say("yes please", "affirm"), act("action_handover", handover=True, outcome="waiting")),
        story("frustrated twice, but carries on (P9)",
              say("ugh", "express_frustration"), act("action_acknowledge_frustration", outcome="waiting"),
              say("for god's sake", "express_frustration"),
              act("action_acknowledge_frustration", outcome="adviser_offered"),
              say("no it's ok", "deny"), act("utter_carry_on")),
        story("an adviser on request, then handed back (CS16)",
              say("can i speak to a human", "request_human"),
              act("action_handover", handover=True, outcome="waiting"),
              [{"intent": "EXTERNAL_handback"}], act("action_handback", handover=False, outcome="waiting")),
        story("greeting, bot challenge, thanks, goodbye",
              say("hiya", "greet"), act("action_small_talk"),
              say("are you a bot?", "bot_challenge"), act("action_small_talk"),
              say("thanks", "thank"), act("action_small_talk"),
              say("bye", "goodbye"), act("utter_goodbye")),
        story("out of scope says what we can help with (repair)",
              say("what's the weather like today", "out_of_scope"), act("action_out_of_scope"),
              say(f"ok, {CT} then", "state_goal", service="pay_council_tax"), checked("pay_council_tax"),
              act("utter_ask_familiarity")),
        story("start again (repair)",
              say(f"walk me through paying {CT}", "request_step_through", service="pay_council_tax"),
              step(support_mode="step_through", current_step="start"),
              say("can we start again", "restart"), act("action_restart"),
              say("hi", "greet"), act("action_small_talk")),
        story("a value typed when nothing asked for it",
              say("RV1 1AA", "inform"), act("utter_inform_noted")),
        story("not on my own: choose another way (P11)",
              say(f"i {ent('use it every month', 'familiarity', 'familiar')}, want to book {ent('bulky waste', 'service', 'book_bulky_waste')}",
                  "state_goal", service="book_bulky_waste", familiarity="familiar"),
              checked("book_bulky_waste"), agreed_and_offered(),
              say("no", "deny"), act("utter_choose_support"),
              say("step me through it", "request_step_through"),
              step(support_mode="step_through", current_step="start")),
        story("tried alone, same problem again: offered the other ways (P5, P11)",
              say(f"{ent('first time', 'familiarity', 'new')} and it says {ent('card declined', 'problem', 'card_declined')} for {CT}",
                  "report_problem", service="pay_council_tax", problem="card_declined", familiarity="new"),
              checked("pay_council_tax"), agreed_and_offered(),
              say("i'll try again", "affirm"), act("action_retry_alone", support_mode="retry_alone"),
              say(f"it still says {ent('declined', 'problem', 'card_declined')}", "report_problem",
                  problem="card_declined"),
              checked("pay_council_tax"), agreed_and_offered(),
              say("step me through it then", "request_step_through"),
              step(support_mode="step_through", current_step="verify")),
        story("promotion accepted: the related service becomes the goal, checked first (P12, P1)",
              say(f"i {ent('know the drill', 'familiarity', 'familiar')}, walk me through the {BIN} report",
                  "request_step_through", service="report_missed_bin", familiarity="familiar"),
              step(support_mode="step_through", current_step="start"),
              page("/bins/missed/confirmation"), step(outcome="finished"),
              act("action_promote_related", outcome="promotion_offered"),
              say("yes please", "affirm"),
              act("action_accept_promotion", service="book_bulky_waste", support_mode=None),
              checked("book_bulky_waste"), act("action_agree_problem")),
        story("step-through asked for at the very start is checked and started (P1, P8)",
              say(f"can you show me how to change my {ent('email', 'service', 'update_contact_details')}",
                  "request_step_through", service="update_contact_details"),
              step(support_mode="step_through", current_step="sign_in"),
              page("/account/details"), step(current_step="details"),
              page("/account/details/edit"), step(current_step="edit")),
        story("step-through of a service that is down: the failure path (P1, 6b)",
              say(f"walk me through the {ent('parking permit', 'service', 'apply_parking_permit')}", "request_step_through", service="apply_parking_permit"),
              step(outcome="failed", system_failure=True), act("action_offer_support_options"),
              say("no thanks", "deny"), act("utter_try_later")),
    ]


# --- doing it for them -----------------------------------------------------------------------

def identity(verified: bool = True) -> list[Step]:
    return (act("identity_form") + loop("identity_form") + _slots({"requested_slot": "account_reference"})
            + say(ent("10000001", "account_reference"), "inform", account_reference="10000001")
            + act("identity_form", requested_slot="postcode")
            + say(ent("RV1 1AA", "postcode"), "inform", postcode="RV1 1AA")
            + act("identity_form", identity_verified=verified, requested_slot=None) + loop(None))


def do_it_for_me() -> list[dict[str, Any]]:
    start = act("action_start_do_it_for_me", support_mode="do_it_for_me", system_failure=False,
                outcome="verify_identity")
    return [
        story("done for them: identity, details, read-back, yes, reference; promotion declined (P11, K4, CS13, P12)",
              say(f"i {ent('use the site all the time', 'familiarity', 'familiar')}, my {BIN}", "state_goal",
                  service="report_missed_bin", familiarity="familiar"),
              checked("report_missed_bin"), agreed_and_offered(),
              say("can you just do it for me", "request_do_it_for_me"), start, identity(),
              act("completion_form"), loop("completion_form"), _slots({"requested_slot": "bin_type"}),
              say("recycling", "inform", bin_type="recycling"),
              act("completion_form", requested_slot="collection_date"),
              say("yesterday", "inform", collection_date="2025-03-11"),
              act("completion_form", requested_slot=None), loop(None),
              act("action_read_back"),
              say("yes go ahead", "affirm"), act("action_complete_for_customer", outcome="finished"),
              finished_and_declined()),
        story("done for them with nothing more to ask (sign-in reset code) (P11)",
              say(f"can you send me a {ent('password reset', 'service', 'sign_in_help')} code", "request_do_it_for_me", service="sign_in_help"), start, identity(),
              act("completion_form"), loop("completion_form"), loop(None),
              act("action_read_back"),
              say("yes", "affirm"), act("action_complete_for_customer", outcome="finished"),
              act("action_promote_related", outcome="promotion_offered")),
        story("done for them: identity fails twice, never acts (CS13)",
              say(f"pay my {CT} for me", "request_do_it_for_me", service="pay_council_tax"), start,
              act("identity_form"), loop("identity_form"), _slots({"requested_slot": "account_reference"}),
              say("12345678", "inform", account_reference="12345678"),
              act("identity_form", requested_slot="postcode"),
              say("RV1 1AA", "inform", postcode="RV1 1AA"),
              act("identity_form", identity_verified=False, account_reference=None, postcode=None,
                  requested_slot="account_reference"),
              say("87654321", "inform", account_reference="87654321"),
              act("identity_form", requested_slot="postcode"),
              say("RV2 3BB", "inform", postcode="RV2 3BB"),
              act("identity_form", identity_verified=False, requested_slot=None), loop(None),
              act("utter_identity_failed"),
              say("step me through it", "request_step_through"),
              step(support_mode="step_through", current_step="start")),
        story("done for them: consent refused at the read-back, nothing done (CS13, P11)",
              say(f"can you apply for the {ent('parking permit', 'service', 'apply_parking_permit')} for me", "request_do_it_for_me", service="apply_parking_permit"), start,
              identity(),
              act("completion_form"), loop("completion_form"), _slots({"requested_slot": "registration"}),
              say("RV12 ABC", "inform", registration="RV12 ABC"),
              act("completion_form", requested_slot=None), loop(None),
              act("action_read_back"),
              say("no don't", "deny"), act("utter_consent_refused")),
        story("done for them: why, while checking who they are, then carry on (P10)",
              say(f"pay my {CT} for me please", "request_do_it_for_me", service="pay_council_tax"), start,
              act("identity_form"), loop("identity_form"), _slots({"requested_slot": "account_reference"}),
              say("why do you need that?", "ask_why"), act("action_explain_why"),
              act("identity_form"), loop("identity_form"),
              say("10000001", "inform", account_reference="10000001"),
              act("identity_form", requested_slot="postcode")),
        story("done for them: an adviser instead, while checking who they are (CS16)",
              say(f"you book the {ent('bulky waste', 'service', 'book_bulky_waste')} collection for me", "request_do_it_for_me", service="book_bulky_waste"), start,
              act("identity_form"), loop("identity_form"), _slots({"requested_slot": "account_reference"}),
              say("can i talk to a person", "request_human"),
              act("action_deactivate_loop"), loop(None),
              act("action_handover", handover=True, outcome="waiting")),
        story("done for them: the service API fails when completing, failure path (6b)",
              say(f"can you pay the {CT} for me", "request_do_it_for_me", service="pay_council_tax"), start, identity(),
              act("completion_form"), loop("completion_form"), _slots({"requested_slot": "amount"}),
              say("the full amount", "inform", amount=""),
              act("completion_form", requested_slot=None), loop(None),
              act("action_read_back"),
              say("yes", "affirm"), act("action_complete_for_customer", outcome="failed", system_failure=True),
              act("action_offer_support_options"),
              say("yes please", "affirm"), act("action_handover", handover=True, outcome="waiting")),
        story("done for them on a service that is down: said honestly, try later (6b)",
              say(f"can you report the {BIN} for me", "request_do_it_for_me", service="report_missed_bin"),
              act("action_start_do_it_for_me", system_failure=True, outcome="failed"),
              act("action_offer_support_options"),
              say("i'll try later", "deny"), act("utter_try_later")),
        story("a system failure where doing it for them still works (6b, P11)",
              say(f"{CT} page says {ent('SERVICE_ERROR', 'error_code')}", "report_problem",
                  service="pay_council_tax"),
              checked("pay_council_tax", failure=True), act("action_offer_support_options"),
              say("please do it for me", "request_do_it_for_me"), start,
              act("identity_form"), loop("identity_form")),
        story("done for them, a reason they can act on (not a failure)",
              say(f"can you book the {ent('bulky waste', 'service', 'book_bulky_waste')} collection for me", "request_do_it_for_me", service="book_bulky_waste"), start, identity(),
              act("completion_form"), loop("completion_form"), _slots({"requested_slot": "items"}),
              say("a sofa", "inform", items=["sofa"]),
              act("completion_form", requested_slot="collection_date"),
              say("next monday", "inform", collection_date="2025-03-17"),
              act("completion_form", requested_slot=None), loop(None),
              act("action_read_back"),
              say("yes", "affirm"), act("action_complete_for_customer", outcome="waiting"),
              say("step me through it", "request_step_through"),
              step(support_mode="step_through", current_step="start")),
    ]


FILES = {
    "test_evidence_matrix.yml": ("Every service, new and familiar customers, their own slip and a system failure.",
                                 matrix),
    "test_conversation.yml": ("Listening, agreeing, stepping through, repair and manner.", conversation),
    "test_do_it_for_me.yml": ("Doing it for the customer: identity, consent, failures.", do_it_for_me),
}


def render(title: str, stories: list[dict[str, Any]]) -> str:
    """YAML in Rasa's test-story format (written by hand: block style, user text as written)."""
    lines = ['version: "3.1"', f"# {title}", "# Generated by tests/stories/build.py: edit that file, then run it.",
             "stories:"]
    for item in stories:
        lines.append(f"- story: {json.dumps(item['story'])}")
        lines.append("  steps:")
        for s in item["steps"]:
            if "user" in s:
                lines.append(f"  - user: |\n      {s['user']}")
                lines.append(f"    intent: {s['intent']}")
            elif "intent" in s:
                lines.append(f"  - intent: {s['intent']}")
                if s.get("entities"):
                    lines.append("    entities:")
                    for e in s["entities"]:
                        (k, v), = e.items()
                        lines.append(f"    - {k}: {json.dumps(v)}")
            elif "action" in s:
                lines.append(f"  - action: {s['action']}")
            elif "active_loop" in s:
                lines.append(f"  - active_loop: {json.dumps(s['active_loop'])}")
            elif "slot_was_set" in s:
                lines.append("  - slot_was_set:")
                for pair in s["slot_was_set"]:
                    (k, v), = pair.items()
                    lines.append(f"    - {k}: {json.dumps(v)}")
    return "\n".join(lines) + "\n"


def main() -> int:
    total = 0
    for name, (title, make) in FILES.items():
        stories = make()
        total += len(stories)
        (HERE / name).write_text(render(title, stories))
    print(f"{total} test stories written")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
