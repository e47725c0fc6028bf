"""Manner and repair (P9): frustration acknowledged, misunderstandings owned, an adviser offered when it helps."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import count_intent, trailing_intents
from actions.parsing import asks_for_person, asks_what_we_do
from actions.steps import ADVISER_OFFERED, WAITING, outcome

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


class ActionOutOfScope(Action):
    """Something we don't cover: said so, with what we do. "What can you do?" (out of scope to the
    NLU) is answered with what the assistant does, not "that's not something I can help with"."""

    def name(self) -> str:
        return "action_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        asked = asks_what_we_do(tracker.latest_message.get("text") or "")
        dispatcher.utter_message(response="utter_iamabot" if asked else "utter_out_of_scope")
        return []


class ActionHandleFallback(Action):
    """"I didn't follow" with what we can help with; two in a row, an adviser is offered."""

    def name(self) -> str:
        return "action_handle_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if trailing_intents(tracker, "nlu_fallback") >= FALLBACKS_BEFORE_ADVISER and not tracker.get_slot("handover"):
            dispatcher.utter_message(response="utter_default_offer_adviser")
            return [outcome(ADVISER_OFFERED)]
        dispatcher.utter_message(response="utter_default")
        return [outcome(WAITING)]
