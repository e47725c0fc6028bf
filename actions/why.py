"""`action_explain_why`: why a step, or a question we ask, is needed — at any point (P10)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.context import CatalogueAction
from actions.conversation import (
    OFFER_CALLBACK_AGAIN,
    Interrupted,
    current_step,
    interrupted,
    lower_first,
)
from actions.parsing import asks_the_cost, asks_what_is_needed, asks_what_it_is, asks_which_way
from bot.catalogue import Service

IDENTITY_FORM = "identity_form"
COMPLETION_FORM = "completion_form"
OPTIONS = "action_offer_support_options"
# "Why?" said to one of the assistant's own questions: why it asks, then the question again
WHY_WE_ASK = {
    "utter_ask_familiarity": "utter_why_familiarity",
    "action_agree_problem": "utter_why_agreement",
    "action_offer_support_options": "utter_why_options",
    "action_read_back": "utter_why_consent",
    OFFER_CALLBACK_AGAIN: "utter_why_callback",
}


def answer_about_service(dispatcher: CollectingDispatcher, tracker: Tracker, service: Service | None) -> bool:
    """"What do i need?" (the catalogue's `you_need`) or "how much is it?" (its `cost`), with the
    service known and the answer written: said, and True."""
    text = tracker.latest_message.get("text") or ""
    if service is None:
        return False
    if service.you_need and asks_what_is_needed(text):
        dispatcher.utter_message(response="utter_you_need", goal=lower_first(service.name),
                                 needs="\n".join(f"• {item}" for item in service.you_need))
        return True
    if service.cost and asks_the_cost(text):
        dispatcher.utter_message(response="utter_cost", cost=service.cost)
        return True
    return False


def recommend_a_way(dispatcher: CollectingDispatcher, tracker: Tracker, service: Service | None,
                    aside: Interrupted | None = None) -> bool:
    """"Which one should i pick?" or "i don't understand", said to the ways forward (and not after a
    system failure, where an adviser comes first): one is recommended for this customer, and True.
    The choice stays theirs; the ways are offered again after it. `aside`: the caller's reading of
    what was interrupted; read here, after the words, when the caller has none."""
    if (service is None or tracker.get_slot("system_failure")
            or not asks_which_way(tracker.latest_message.get("text") or "")):
        return False
    if (aside or interrupted(tracker)).question != OPTIONS:
        return False
    familiar = tracker.get_slot("familiarity") == "familiar"
    dispatcher.utter_message(response="utter_recommend_alone" if familiar else "utter_recommend_step_through")
    return True


def answer_aside(dispatcher: CollectingDispatcher, tracker: Tracker, service: Service | None,
                 aside: Interrupted) -> bool:
    """A question on the way that the catalogue or the conversation answers (what to have ready, what
    it costs, which way to choose): said, and True. The NLU reads these as out of scope, stuck, "why?"
    or not understood, so each of those actions asks this first."""
    return answer_about_service(dispatcher, tracker, service) or recommend_a_way(dispatcher, tracker, service, aside)


class ActionExplainWhy(CatalogueAction, Action):
    """Answers "why?" from the catalogue: the step's `why`, why we check who they are, or why we ask
    the question the customer was answering (asked again after it, so their answer still counts)."""

    def name(self) -> str:
        return "action_explain_why"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        service = self.catalogue.get(tracker.get_slot("service") or "")
        loop = (tracker.active_loop or {}).get("name")
        if loop == IDENTITY_FORM:
            dispatcher.utter_message(response="utter_why_identity", service_name=service.name if service else "this")
            return []
        if loop == COMPLETION_FORM and service is not None:
            dispatcher.utter_message(response="utter_why_details", service_name=service.name)
            return []
        aside = interrupted(tracker)
        if answer_aside(dispatcher, tracker, service, aside):  # "what information do you need from me?"
            return aside.ask_again()
        if aside.question in WHY_WE_ASK:
            dispatcher.utter_message(response=WHY_WE_ASK[aside.question])
            return aside.ask_again()
        if service is None:
            dispatcher.utter_message(response="utter_why_which_step")
            return []
        step = current_step(tracker, service)
        if step is None:
            dispatcher.utter_message(response="utter_why_service", service_name=service.name, summary=service.summary)
            return []
        if asks_what_it_is(tracker.latest_message.get("text") or ""):  # the page's full wording says what it is
            dispatcher.utter_message(response="utter_what_step_asks",
                                     json_message={"highlight": step.highlight} if step.highlight else None,
                                     step_title=step.title, step_instruction=step.instruction.new)
            return []
        dispatcher.utter_message(
            response="utter_why_step",
            json_message={"highlight": step.highlight} if step.highlight else None,
            step_title=step.title,
            step_why=step.why,
        )
        return []
