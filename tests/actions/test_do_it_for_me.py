"""Doing it for the customer: identity, details, read-back, consent, then the API (P11, K4, K6, CS13, 6b)."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from actions.complete import ActionCompleteForCustomer, ActionReadBack, ActionStartDoItForMe
from actions.forms.completion import ASK_ACTIONS, ValidateCompletionForm, completion_details
from actions.forms.identity import ValidateIdentityForm
from actions.service_api import HttpServiceApi, IdentityResult, ServiceApiError, Transaction
from tests.actions.support import FAILURES, FakeApi, bot, responses, run, tracker, user
from tests.support.http_server import ScriptedServer, slow_answer

IDENTITY_DOMAIN = {"forms": {"identity_form": {"required_slots": ["account_reference", "postcode"]}},
                   "slots": {"account_reference": {}, "postcode": {}}}
COMPLETION_DOMAIN = {"forms": {"completion_form": {"required_slots": [
    "amount", "registration", "items", "collection_date", "bin_type", "email", "phone"]}}, "slots": {}}
VERIFIED = {"identity_verified": True, "identity_token": "token-1", "identity_name": "Alex Morgan"}


# --- starting ---------------------------------------------------------------------------------

def test_starting_explains_the_trade_off_and_goes_to_the_identity_check(catalogue):
    """K4/K6: what doing it for them means, honestly, before anything else."""
    service = catalogue.get("pay_council_tax")
    messages, slots, _ = run(ActionStartDoItForMe(catalogue, FakeApi()), tracker({"service": "pay_council_tax"},
                                                                                  intent="request_do_it_for_me"))
    assert responses(messages) == ["utter_do_it_for_me_intro"]
    assert messages[0]["assisted"] == service.completion.pros_cons.assisted
    assert slots["outcome"] == "verify_identity" and slots["support_mode"] == "do_it_for_me"
    assert slots["account_reference"] is None and slots["amount"] is None


@pytest.mark.parametrize("status", ["down", "degraded"])
def test_starting_on_a_failed_service_takes_the_failure_path(catalogue, status):
    _messages, slots, _ = run(ActionStartDoItForMe(catalogue, FakeApi(status)), tracker({"service": "pay_council_tax"}))
    assert slots["outcome"] == "failed" and slots["system_failure"] is True


def test_starting_without_a_service_asks_which(catalogue):
    messages, slots, _ = run(ActionStartDoItForMe(catalogue, FakeApi()), tracker({}))
    assert responses(messages) == ["utter_ask_service"] and slots["outcome"] == "waiting"


# --- the identity check --------------------------------------------------------------------

def identity_turn(catalogue, api, slots, text):
    t = tracker({"requested_slot": "postcode", **slots}, intent="inform", text=text, active_loop="identity_form")
    # the slots are filled by the validation action's own extraction from the text
    return run(ValidateIdentityForm(catalogue, api), t, IDENTITY_DOMAIN)


def test_reference_and_postcode_are_read_however_typed_and_checked(catalogue):
    """CS13: identity checked with the service API; the token is kept for the transaction."""
    api = FakeApi()
    messages, slots, _ = identity_turn(catalogue, api, {}, "ref 1000 0001 and rv11aa")
    assert api.called("identity_check") == [("identity_check", "10000001", "RV1 1AA")]
    assert responses(messages) == ["utter_identity_verified"]
    assert slots["identity_verified"] is True and slots["identity_token"] == "token-1"
    assert slots["requested_slot"] is None


def test_not_matched_once_asks_again(catalogue):
    api = FakeApi(identity=IdentityResult(False))
    messages, slots, _ = identity_turn(catalogue, api, {"account_reference": "10000009"}, "RV1 1AA")
    assert responses(messages) == ["utter_identity_not_matched"]
    assert slots["identity_attempts"] == 1 and slots["account_reference"] is None and slots["postcode"] is None
    assert "requested_slot" not in slots or slots["requested_slot"] is not None


def test_not_matched_twice_stops_and_never_acts(catalogue):
    """CS13: identity failing twice ends the form, unverified; nothing is done."""
    api = FakeApi(identity=IdentityResult(False))
    _messages, slots, _ = identity_turn(catalogue, api, {"account_reference": "10000009", "identity_attempts": 1},
                                       "RV1 1AA")
    assert slots["identity_attempts"] == 2 and slots["identity_verified"] is False
    assert slots["requested_slot"] is None
    assert api.called("create_transaction") == []


@pytest.mark.parametrize("failure", ["4xx", "5xx", "timeout", "connection refused"])
def test_an_identity_api_that_fails_is_a_system_failure(catalogue, failure):
    api = FakeApi(identity=FAILURES[failure])
    messages, slots, _ = identity_turn(catalogue, api, {"account_reference": "10000001"}, "RV1 1AA")
    assert responses(messages) == ["utter_identity_check_unavailable"]
    assert slots["system_failure"] is True and slots["identity_verified"] is False
    assert slots["requested_slot"] is None


def test_a_badly_typed_reference_is_explained(catalogue):
    t = tracker({"requested_slot": "account_reference", "account_reference": "1234"}, intent="inform", text="1234",
                active_loop="identity_form", filled={"account_reference": "1234"})
    messages, slots, _ = run(ValidateIdentityForm(catalogue, FakeApi()), t, IDENTITY_DOMAIN)
    assert responses(messages) == ["utter_reference_format"] and slots["account_reference"] is None


def test_a_reference_the_nlu_took_for_a_postcode_is_explained_as_a_reference(catalogue):
    """"RV123456" typed for the reference was tagged a postcode: the customer was told "that doesn't
    look like a postcode" when asked for their reference; now what a reference looks like."""
    t = tracker({"requested_slot": "account_reference", "postcode": "RV123456"}, intent="inform", text="RV123456",
                active_loop="identity_form", filled={"postcode": "RV123456"})
    messages, slots, _ = run(ValidateIdentityForm(catalogue, FakeApi()), t, IDENTITY_DOMAIN)
    assert responses(messages) == ["utter_reference_format"] and slots["postcode"] is None
    # a bad reference and a bad postcode in one message: each explained once
    t = tracker({"requested_slot": "account_reference"}, intent="inform", text="1234 and RV1", active_loop="identity_form",
                filled={"account_reference": "1234", "postcode": "RV1"})
    messages, _, _ = run(ValidateIdentityForm(catalogue, FakeApi()), t, IDENTITY_DOMAIN)
    assert responses(messages) == ["utter_reference_format"]
    # asked for the postcode, a bad one is still said to be one
    t = tracker({"requested_slot": "postcode", "account_reference": "10000001"}, intent="inform", text="RV1",
                active_loop="identity_form", filled={"postcode": "RV1"})
    messages, _, _ = run(ValidateIdentityForm(catalogue, FakeApi()), t, IDENTITY_DOMAIN)
    assert responses(messages) == ["utter_postcode_format"]


# --- the details ---------------------------------------------------------------------------------

LIST_SLOTS = ("items",)  # domain/slots.yml: Rasa's list slot keeps typed text as ["the text"]


def completion_turn(catalogue, service_id, field, text, today=date(2025, 3, 12), events=None, **slots):
    value = [text] if field in LIST_SLOTS and isinstance(text, str) else text  # as Rasa fills it
    t = tracker({"service": service_id, "requested_slot": field, field: value, **slots}, intent="inform",
                text=text if isinstance(text, str) else "", active_loop="completion_form", filled={field: value},
                events=events)
    return run(ValidateCompletionForm(catalogue, FakeApi(), today=lambda: today), t, COMPLETION_DOMAIN)


@pytest.mark.parametrize("service_id, asked", [
    ("pay_council_tax", ["amount"]),
    ("apply_parking_permit", ["registration"]),
    ("book_bulky_waste", ["items", "collection_date"]),
    ("report_missed_bin", ["bin_type", "collection_date"]),
    ("update_contact_details", ["email", "phone"]),
    ("sign_in_help", []),
])
def test_only_the_catalogues_fields_are_asked(catalogue, service_id, asked):
    form = ValidateCompletionForm(catalogue, FakeApi())
    got = asyncio.run(form.required_slots([], None, tracker({"service": service_id}), COMPLETION_DOMAIN))
    assert got == asked


@pytest.mark.parametrize("service_id, field, text, value", [
    ("pay_council_tax", "amount", "just £20 for now", "20.00"),
    ("pay_council_tax", "amount", "the full balance", ""),
    ("apply_parking_permit", "registration", "it's rv12 abc", "RV12 ABC"),
    ("book_bulky_waste", "items", "a sofa and an old fridge", ["sofa", "fridge-freezer"]),
    ("report_missed_bin", "collection_date", "last tuesday", "2025-03-11"),
    ("book_bulky_waste", "collection_date", "monday", "2025-03-17"),
    ("report_missed_bin", "bin_type", "the recycling one", "recycling"),
    ("report_missed_bin", "bin_type", "the green one", "garden"),  # the catalogue's choice_words
    ("report_missed_bin", "bin_type", "it was the grey bin", "general"),
    ("report_missed_bin", "bin_type", "Blue.", "recycling"),
    ("update_contact_details", "email", "new one is Alex.M@example.org", "alex.m@example.org"),
    ("update_contact_details", "phone", "skip", ""),
])
def test_answers_are_understood_as_customers_type_them(catalogue, service_id, field, text, value):
    messages, slots, _ = completion_turn(catalogue, service_id, field, text)
    assert slots[field] == value and messages == []


def test_items_typed_are_read_as_the_catalogues_items_and_chosen_ones_are_kept(catalogue):
    """Before, Rasa's list slot held ["a sofa, a fridge and a mattress"], which was passed on as it was:
    the read-back showed the sentence and the booking failed ("Items we collect: ...")."""
    _, slots, _ = completion_turn(catalogue, "book_bulky_waste", "items", "a sofa, a fridge and a mattress")
    assert slots["items"] == ["sofa", "mattress", "fridge-freezer"]
    _, slots, _ = completion_turn(catalogue, "book_bulky_waste", "items", ["sofa", "table"])
    assert slots["items"] == ["sofa", "table"]


@pytest.mark.parametrize("text", ["the big one", "the green and the blue ones"])
def test_an_answer_not_understood_is_asked_again_with_a_hint(catalogue, text):
    messages, slots, _ = completion_turn(catalogue, "report_missed_bin", "bin_type", text)
    assert responses(messages) == ["utter_invalid_bin_type"] and slots["bin_type"] is None


def test_a_second_answer_not_understood_also_says_how_else_it_can_be_done(catalogue):
    """A customer who cannot give the answer is not asked the same thing forever without being told
    they can be stepped through it or passed to an adviser; a new start of the form counts afresh."""
    started = {"event": "active_loop", "name": "completion_form"}
    once = [started, user("inform", "the big one"), bot("utter_invalid_bin_type")]
    messages, _, _ = completion_turn(catalogue, "report_missed_bin", "bin_type", "tuesday", events=once)
    assert responses(messages) == ["utter_invalid_bin_type", "utter_invalid_way_out"]
    messages, _, _ = completion_turn(catalogue, "report_missed_bin", "bin_type", "tuesday", events=once + [started])
    assert responses(messages) == ["utter_invalid_bin_type"]
    other_field = [started, user("inform", "soon"), bot("utter_invalid_collection_date")]
    messages, _, _ = completion_turn(catalogue, "report_missed_bin", "bin_type", "tuesday", events=other_field)
    assert responses(messages) == ["utter_invalid_bin_type"]


def test_contact_details_need_at_least_one_change(catalogue):
    messages, slots, _ = completion_turn(catalogue, "update_contact_details", "phone", "no", email="")
    assert responses(messages) == ["utter_need_one_change"]
    assert slots["email"] is None and slots["phone"] is None and slots["requested_slot"] == "email"


def test_each_field_is_asked_in_the_catalogues_words(catalogue):
    field = catalogue.get("report_missed_bin").completion.fields[0]
    messages, _, _ = run(ASK_ACTIONS["bin_type"](catalogue), tracker({"service": "report_missed_bin"}))
    assert messages[0]["prompt"] == field.prompt and [b["payload"] for b in messages[0]["buttons"]] == field.choices


def test_a_single_choice_field_is_filled_without_asking(catalogue):
    details = completion_details(catalogue.get("sign_in_help"), tracker({"service": "sign_in_help"}))
    assert details == {"action": "send_reset_code"}


# --- read-back, consent and completing --------------------------------------------------------

def test_the_read_back_says_what_will_be_done_and_for_whom(catalogue):
    t = tracker({"service": "report_missed_bin", "bin_type": "recycling", "collection_date": "2025-03-11",
                 **VERIFIED}, intent="inform")
    messages, _, _ = run(ActionReadBack(catalogue), t)
    assert responses(messages) == ["utter_read_back"] and messages[0]["name"] == "Alex Morgan"
    assert "recycling" in messages[0]["details"] and "Tuesday 11 March 2025" in messages[0]["details"]
    assert "payment" not in messages[0]["details"]  # reporting a missed bin costs nothing


def test_the_read_back_says_what_it_costs_and_how_it_is_paid(catalogue):
    """K4, CS13: the saved card is charged when it is done for them, so the yes is to that too;
    before, the permit's read-back named the registration only and the customer learnt of the
    £60 payment from the reference message."""
    t = tracker({"service": "apply_parking_permit", "registration": "AB51 XYZ", **VERIFIED}, intent="inform")
    messages, _, _ = run(ActionReadBack(catalogue), t)
    assert messages[0]["details"].splitlines() == [
        "• registration: AB51 XYZ", "• payment: £60 for a year, paid with the card saved on your account"]
    for service in catalogue.services.values():  # whatever takes a payment says so
        if service.id in ("pay_council_tax", "apply_parking_permit", "book_bulky_waste"):
            assert "card saved on your account" in (service.completion.charge or ""), service.id


def test_the_password_reset_read_back_says_what_will_be_sent_and_where(catalogue):
    """Before, the read-back was "Sign in or reset your password, for Alex Morgan. Shall I go ahead?":
    nothing said a reset code would be emailed, or that the customer still sets the password."""
    t = tracker({"service": "sign_in_help", **VERIFIED}, intent="inform")
    messages, _, _ = run(ActionReadBack(catalogue), t)
    assert responses(messages) == ["utter_read_back"]
    assert "reset code is sent to the email address on your account" in messages[0]["details"]
    assert "choose your new password yourself" in messages[0]["details"]


def test_completing_returns_the_reference(catalogue):
    """P11: the transaction is made through the API and the reference goes back to the customer."""
    api = FakeApi(transaction=Transaction("MB-7F3K9Q2M", "report_missed_bin", "Missed recycling collection reported"))
    t = tracker({"service": "report_missed_bin", "bin_type": "recycling", "collection_date": "2025-03-11",
                 **VERIFIED}, intent="affirm")
    messages, slots, _ = run(ActionCompleteForCustomer(catalogue, api), t)
    assert api.called("create_transaction") == [("create_transaction", "report_missed_bin", "token-1",
                                                  {"bin_type": "recycling", "collection_date": "2025-03-11"})]
    assert responses(messages) == ["utter_completed_for_customer"] and messages[0]["reference"] == "MB-7F3K9Q2M"
    assert slots["outcome"] == "finished"


def test_skipped_optional_answers_are_not_sent(catalogue):
    api = FakeApi()
    t = tracker({"service": "pay_council_tax", "amount": "", **VERIFIED}, intent="affirm")
    run(ActionCompleteForCustomer(catalogue, api), t)
    assert api.called("create_transaction")[0][3] == {}


def test_never_acts_without_a_verified_identity(catalogue):
    """CS13: no identity, no action — whatever the dialogue did."""
    api = FakeApi()
    t = tracker({"service": "pay_council_tax", "identity_verified": False, "identity_token": "stale"}, intent="affirm")
    messages, _slots, _ = run(ActionCompleteForCustomer(catalogue, api), t)
    assert api.calls == [] and responses(messages) == ["utter_cannot_without_identity"]


@pytest.mark.parametrize("failure", ["4xx", "401", "5xx", "timeout", "connection refused"])
def test_a_failing_api_takes_the_failure_path(catalogue, failure):
    """6b: 4xx, 5xx, timeout and connection refused: said honestly, then adviser (never 'done')."""
    api = FakeApi(transaction=FAILURES[failure])
    t = tracker({"service": "pay_council_tax", **VERIFIED}, intent="affirm")
    messages, slots, _ = run(ActionCompleteForCustomer(catalogue, api), t)
    expected = "utter_completion_unconfirmed" if failure == "timeout" else "utter_completion_failed"
    assert responses(messages) == [expected]
    assert slots["system_failure"] is True and slots["outcome"] == "failed"


@pytest.mark.parametrize("failure", ["5xx", "timeout"])
def test_the_adviser_is_given_what_the_customer_agreed_when_doing_it_fails(catalogue, failure):
    """The handover's failure details carry the read-back, so the adviser finishes the job without
    asking again; after a timeout they are told to check whether it went through first."""
    api = FakeApi(transaction=FAILURES[failure])
    t = tracker({"service": "apply_parking_permit", "registration": "AB51 XYZ", **VERIFIED}, intent="affirm")
    _, slots, _ = run(ActionCompleteForCustomer(catalogue, api), t)
    details = slots["failure_details"]
    assert "registration: AB51 XYZ" in details and "payment: £60 for a year" in details
    assert ("check before doing it again" in details) == (failure == "timeout")


def test_a_refusal_the_catalogue_knows_is_explained_with_its_help_not_as_a_failure(catalogue):
    """A 400/409 with a known code is the account's situation, explained without blame."""
    api = FakeApi(transaction=ServiceApiError("409", status=409, code="GARDEN_NOT_SUBSCRIBED", detail="..."))
    t = tracker({"service": "report_missed_bin", "bin_type": "garden", "collection_date": "2025-03-11", **VERIFIED})
    messages, slots, _ = run(ActionCompleteForCustomer(catalogue, api), t)
    help_ = catalogue.get("report_missed_bin").problem("garden_not_subscribed").help
    assert responses(messages) == ["utter_completion_refused"] and messages[0]["help"] == help_
    assert slots["system_failure"] is False and slots["outcome"] == "waiting"


def test_a_refusal_the_catalogue_does_not_know_passes_on_the_apis_reason(catalogue):
    api = FakeApi(transaction=ServiceApiError("409", status=409, code="NO_SAVED_CARD",
                                              detail="There is no saved card on this account"))
    t = tracker({"service": "pay_council_tax", **VERIFIED})
    messages, slots, _ = run(ActionCompleteForCustomer(catalogue, api), t)
    assert responses(messages) == ["utter_completion_not_possible"] and "no saved card" in messages[0]["reason"]
    assert slots["outcome"] == "waiting"


@pytest.mark.parametrize("failure", ["timeout", "connection refused"])
def test_the_real_client_failing_takes_the_failure_path_too(catalogue, failure):
    """The same through HttpServiceApi: a server too slow to answer, and a port nobody listens on."""
    t = tracker({"service": "pay_council_tax", **VERIFIED}, intent="affirm")
    path = "/api/services/pay_council_tax/transactions"
    if failure == "timeout":
        with ScriptedServer({path: slow_answer(1.5, 201, {"reference": "CT-1"})}) as server:
            _, slots, _ = run(ActionCompleteForCustomer(catalogue, HttpServiceApi(server.url, timeout=0.3)), t)
    else:
        _, slots, _ = run(ActionCompleteForCustomer(catalogue, HttpServiceApi("http://127.0.0.1:9", timeout=1)), t)
    assert slots["system_failure"] is True and slots["outcome"] == "failed"


def test_slots_cleared_when_starting_are_not_complained_about(catalogue):
    t = tracker({"requested_slot": None}, intent="request_do_it_for_me", active_loop="identity_form",
                filled={"account_reference": None, "postcode": None})
    messages, _, _ = run(ValidateIdentityForm(catalogue, FakeApi()), t, IDENTITY_DOMAIN)
    assert messages == []
    t = tracker({"service": "report_missed_bin"}, intent="inform", active_loop="completion_form",
                filled={"bin_type": None, "collection_date": None})
    messages, _, _ = run(ValidateCompletionForm(catalogue, FakeApi()), t, COMPLETION_DOMAIN)
    assert messages == []
