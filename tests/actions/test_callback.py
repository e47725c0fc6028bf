"""Callback details in the chat (CS17): each answer checked as given; the ticket stored through the hub."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.callback import ActionRequestCallback, ValidateCallbackForm
from actions.hub_api import CallbackResult, HubApiError
from tests.actions.support import responses, run, tracker


def validate(slot: str, value: str):
    dispatcher = CollectingDispatcher()
    check = getattr(ValidateCallbackForm(), f"validate_{slot}")
    return check(value, dispatcher, tracker({}, active_loop="callback_form"), {}), dispatcher.messages


@pytest.mark.parametrize(("slot", "typed", "kept"), [
    ("callback_name", "my name is Sam Jones", "Sam Jones"),
    ("callback_name", "Siân O'Neill-Davies", "Siân O'Neill-Davies"),
    ("callback_contact", "07700 900 123", "07700900123"),
    ("callback_contact", "you can call me on +44 7700 900123 thanks", "+447700900123"),
    ("callback_contact", "email is sam@example.com", "sam@example.com"),
    ("callback_time", "as soon as possible", "asap"),
    ("callback_time", "mornings are best for me", "morning"),
    ("callback_time", "afternoon", "afternoon"),
])
def test_each_detail_is_understood_the_way_customers_give_it(slot, typed, kept):
    filled, messages = validate(slot, typed)
    assert filled == {slot: kept} and messages == []


@pytest.mark.parametrize(("slot", "typed", "says"), [
    ("callback_name", "12345", "in letters"),
    ("callback_contact", "0770", "phone number"),
    ("callback_contact", "sam@", "phone number"),
    ("callback_contact", "sam@example", "email address"),
    ("callback_time", "whenever in the morning or afternoon", "morning or an afternoon"),
])
def test_a_detail_that_cannot_be_used_is_asked_again_saying_why(slot, typed, says):
    filled, messages = validate(slot, typed)
    assert filled == {slot: None}
    assert responses(messages) == ["utter_callback_detail_problem"] and says in messages[0]["problem"]


@pytest.mark.parametrize(("typed", "filled"), [
    ("07700 900 123", {"callback_contact": "07700900123", "callback_name": None}),
    ("sam@example.com", {"callback_contact": "sam@example.com", "callback_name": None}),
    ("Sam Jones, 07700 900123", {"callback_contact": "07700900123", "callback_name": "Sam Jones"}),
    ("my name is Sam Jones and my email is sam@example.com", {"callback_contact": "sam@example.com", "callback_name": "Sam Jones"}),
    ("Sam, call me on 07700 900123", {"callback_contact": "07700900123", "callback_name": "Sam"}),
    ("my number is 07700 900123", {"callback_contact": "07700900123", "callback_name": None}),
])
def test_a_contact_given_when_the_name_was_asked_is_kept_not_refused(typed, filled):
    """Before, "07700 900 123" to "what name should the adviser ask for?" was refused as not a name
    and the customer was asked for the number again later."""
    got, messages = validate("callback_name", typed)
    assert got == filled
    assert responses(messages) == ["utter_callback_contact_noted"] and messages[0]["contact"] == filled["callback_contact"]


class FakeHub:
    def __init__(self, result=None, error=None):
        self.result, self.error, self.calls = result, error, []

    async def request_callback(self, **details):
        self.calls.append(details)
        if self.error:
            raise self.error
        return self.result


DETAILS = {"callback_name": "Sam Jones", "callback_contact": "sam@example.com", "callback_time": "morning"}


def test_the_ticket_is_stored_and_its_reference_given():
    hub = FakeHub(CallbackResult("CB-00012", "email", "morning", "Monday to Friday 08:00 to 18:00"))
    messages, slots, _ = run(ActionRequestCallback(hub), tracker(DETAILS, sender_id="conv-9"))
    assert hub.calls == [{"name": "Sam Jones", "email": "sam@example.com", "phone": None,
                          "preferred_time": "morning", "conversation_id": "conv-9"}]
    assert responses(messages) == ["utter_callback_booked_email"]
    assert messages[0]["reference"] == "CB-00012" and messages[0]["when"] == "in the morning"
    assert slots == {"callback_name": None, "callback_contact": None, "callback_time": None, "outcome": "waiting"}


def test_a_detail_the_hub_rejects_is_asked_for_again_and_nothing_else():
    error = HubApiError("answered 400", status=400, code="invalid_callback",
                        fields={"preferred_time": "That time has passed: please choose a time from now on."})
    messages, slots, events = run(ActionRequestCallback(FakeHub(error=error)), tracker(DETAILS))
    assert responses(messages) == ["utter_callback_detail_problem"] and "passed" in messages[0]["problem"]
    assert slots == {"callback_time": None}
    assert [e["name"] for e in events if e["event"] == "followup"] == ["callback_form"]


@pytest.mark.parametrize("error", [HubApiError("did not answer in 5 s", timed_out=True),
                                   HubApiError("answered 500", status=500),
                                   HubApiError("answered 401", status=401, code="unauthorised")])
def test_a_hub_that_fails_is_said_honestly(error):
    messages, slots, _ = run(ActionRequestCallback(FakeHub(error=error)), tracker(DETAILS))
    assert responses(messages) == ["utter_callback_failed"] and slots["outcome"] == "waiting"


def test_the_real_client_against_nothing_listening_is_a_failure_not_a_crash():
    from actions.hub_api import HubApi

    hub = HubApi("http://127.0.0.1:9", "token", timeout=2)
    try:
        messages, _, _ = run(ActionRequestCallback(hub), tracker(DETAILS))
    finally:
        asyncio.run(hub.close())
    assert responses(messages) == ["utter_callback_failed"]
