"""Manner and repair (P9): frustration acknowledged, misunderstandings owned, an adviser offered when it helps."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.context import CatalogueAction
from actions.conversation import (
    count_intent,
    interrupted,
    latest_entity,
    latest_intent,
    trailing_intents,
)
from actions.parsing import asks_for_person, asks_what_we_do
from actions.steps import ADVISER_OFFERED, WAITING, outcome
from actions.why import answer_aside

FRUSTRATION_BEFORE_ADVISER = 2
FALLBACKS_BEFORE_ADVISER = 2


class ActionAcknowledgeFrustration(Action):
    """Empathy first; the second time the customer is frustrated, an adviser is offered. A frustrated
    customer who asks for a person ("this is ridiculous, get me a human") is passed to one at once."""

    def name(self) -> str:
        return "action_acknowledge_frustration"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if asks_for_person(tracker.latest_message.get("text") or "") and not tracker.get_slot("handover"):
            dispatcher.utter_message(response="utter_frustration_sorry")
            return [FollowupAction("action_handover")]
        if count_intent(tracker, "express_frustration") >= FRUSTRATION_BEFORE_ADVISER and not tracker.get_slot("handover"):
            dispatcher.utter_message(response="utter_frustration_offer_adviser")
            return [outcome(ADVISER_OFFERED)]
        dispatcher.utter_message(response="utter_frustration_empathy")
        return [outcome(WAITING)]


class ActionOutOfScope(CatalogueAction, Action):
    """Something we don't cover: said so, with what we do. "What can you do?" (out of scope to the
    NLU) is answered with what the assistant does, not "that's not something I can help with"."""

    def name(self) -> str:
        return "action_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        aside = interrupted(tracker)
        if answer_aside(dispatcher, tracker, self.catalogue.get(tracker.get_slot("service") or ""), aside):
            return aside.ask_again()
        asked = asks_what_we_do(tracker.latest_message.get("text") or "")
        if aside.waiting:
            dispatcher.utter_message(response="utter_iamabot_ask_again" if asked else "utter_out_of_scope_ask_again")
            return aside.ask_again()
        organisation = latest_entity(tracker, "organisation")  # "my paypal account": whom to contact instead
        if organisation and not asked:
            dispatcher.utter_message(response="utter_out_of_scope_organisation", organisation=organisation)
            return []
        dispatcher.utter_message(response="utter_iamabot" if asked else "utter_out_of_scope")
        return []


class ActionHandleFallback(CatalogueAction, Action):
    """"I didn't follow" with what we can help with, or, when the customer was answering a question,
    the question again; two in a row, an adviser is offered. Words the NLU was unsure of that name
    one of our services or problems, before any plan, are listened to as the problem they name."""

    def name(self) -> str:
        return "action_handle_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        aside = interrupted(tracker)
        if answer_aside(dispatcher, tracker, self.catalogue.get(tracker.get_slot("service") or ""), aside):
            return aside.ask_again()  # understood after all
        if trailing_intents(tracker, "nlu_fallback") >= FALLBACKS_BEFORE_ADVISER and not tracker.get_slot("handover"):
            dispatcher.utter_message(response="utter_default_offer_adviser")
            return [outcome(ADVISER_OFFERED)]
        if aside.waiting:  # "Sorry, I didn't quite follow that", and the question again: a yes still counts
            dispatcher.utter_message(response="utter_default_ask_again")
            return [outcome(WAITING), *aside.ask_again()]
        if self._names_ours(tracker) and not tracker.get_slot("support_mode") and not tracker.get_slot("handover"):
            # "reset code not received": the NLU was unsure, but the catalogue knows the problem. Before
            # any plan, listen to it as one (check the service, agree it): the agreement asks "right?"
            return [FollowupAction("action_check_service_status")]
        dispatcher.utter_message(response="utter_default")
        return [outcome(WAITING)]

    def _names_ours(self, tracker: Tracker) -> bool:
        """The latest message names one of the catalogue's services or problems (by its id)."""
        for entity in tracker.latest_message.get("entities") or []:
            value = str(entity.get("value") or "")
            if entity.get("entity") == "service" and self.catalogue.get(value):
                return True
            if entity.get("entity") == "problem" and self.catalogue.services_with_problem(value):
                return True
        return False


# What is said to a greeting, thanks or "are you a bot?": on its own, and with a question pending
# (then the question follows, asked again).
ASIDES = {
    "greet": ("utter_greet", "utter_greet_ask_again"),
    "thank": ("utter_you_are_welcome", "utter_you_are_welcome_ask_again"),
    "bot_challenge": ("utter_iamabot", "utter_iamabot_ask_again"),
}


class ActionSmallTalk(Action):
    """Greetings, thanks and "are you a bot?" answered. Said in the middle of a question ("Have I got
    that right?", "Shall I go ahead?", a form's), the answer is short and the question is asked again,
    so the customer's yes to it still counts (before, it was not understood, and every yes after it
    too); a form is not offered the list of services or asked "anything else?"."""

    def name(self) -> str:
        return "action_small_talk"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        alone, asking_again = ASIDES.get(latest_intent(tracker), ASIDES["greet"])
        aside = interrupted(tracker)
        dispatcher.utter_message(response=asking_again if aside.waiting else alone)
        return aside.ask_again()
