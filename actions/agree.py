"""`action_agree_problem`: sum up goal, difficulty and plan in one message and ask if it is right (P6)."""

from __future__ import annotations

from textwrap import shorten
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import CatalogueAction
from actions.conversation import (
    already_reassured,
    current_step,
    customer_words,
    latest_intent,
    lower_first,
    words_for_problem,
)
from actions.parsing import is_bare_acknowledgement, says_any
from actions.steps import ActionStepThrough, StepGuide
from bot.catalogue.models import Problem, Service, normalise_phrase

MAX_WORDS_QUOTED = 160  # characters of the customer's own words said back to them


def _plain(phrase: str) -> str:
    return normalise_phrase(phrase).replace("\u2019", "").replace("'", "")


def familiarity_from_answer(intent: str) -> str | None:
    """The answer to "Have you used our online services before?": yes means familiar."""
    return {"affirm": "familiar", "express_experienced_user": "familiar",
            "deny": "new", "express_new_user": "new"}.get(intent)


def not_covered_asked(tracker: Tracker, service: Service) -> list[str]:
    """What the customer asked this service for that it does not do (the catalogue's `does_not_cover`),
    as the notes to say, each once in a conversation."""
    typed = " ".join(customer_words(tracker))
    said = {event.get("text") for event in tracker.events if event.get("event") == "bot"}
    return [n.say for n in service.does_not_cover if says_any(typed, n.phrases) and n.say not in said]


class ActionRecordFamiliarity(Action):
    """Keeps a typed yes / no to the familiarity question in `familiarity` (P4). A bare "ok" is not
    taken for a yes: the customer is told so and the question comes again (rules_listen.yml)."""

    def name(self) -> str:
        return "action_record_familiarity"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = latest_intent(tracker)
        if intent == "affirm" and is_bare_acknowledgement(tracker.latest_message.get("text") or ""):
            dispatcher.utter_message(response="utter_familiarity_unclear")
            return [SlotSet("familiarity", None)]
        familiarity = familiarity_from_answer(intent)
        return [SlotSet("familiarity", familiarity)] if familiarity else []


class ActionAgreeProblem(CatalogueAction, Action):
    """Says back what the customer wants, what went wrong and where, and the plan; asks for a yes."""

    def name(self) -> str:
        return "action_agree_problem"

    @staticmethod
    def problem_words(tracker: Tracker, problem: Problem) -> str:
        """The customer's own words for the problem when they are one of its phrases, else its first phrase."""
        said = words_for_problem(tracker, problem.id)
        known = {_plain(p) for p in problem.phrases}
        if said and _plain(said) in known:
            return said
        return problem.phrases[0] if problem.phrases else problem.id.replace("_", " ")

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        service = self.catalogue.get(tracker.get_slot("service") or "")
        if service is None:
            dispatcher.utter_message(response="utter_ask_service")
            return []
        problem = service.problem(tracker.get_slot("problem") or "")
        if tracker.get_slot("support_mode") == "step_through" and latest_intent(tracker) == "report_problem":
            # the plan stands: help with the problem where they are, not the goal and the options again
            return ActionStepThrough(self.catalogue).on_problem_told(StepGuide(dispatcher, tracker), service,
                                                                     tracker, problem)
        for note in not_covered_asked(tracker, service):  # "I've moved house": not what this service does
            dispatcher.utter_message(response="utter_not_covered", note=note)
        goal = lower_first(service.name)
        # a new customer hears "I'll take it slowly" once: the agreement after it leaves it out
        reassured = tracker.get_slot("familiarity") == "new" and already_reassured(tracker)
        if problem is None:
            step = current_step(tracker, service) if latest_intent(tracker) == "report_problem" else None
            said = (tracker.latest_message.get("text") or "").strip()
            if step is not None and said and not said.startswith("/"):
                # a difficulty the catalogue does not know, on a page it does: said back in their words
                dispatcher.utter_message(response="utter_agree_problem_untold", goal=goal, step_title=step.title,
                                         problem_words=shorten(said, MAX_WORDS_QUOTED, placeholder="..."))
                return []
            dispatcher.utter_message(response="utter_agree_goal_reassured" if reassured else "utter_agree_goal", goal=goal)
            return []
        step = service.step_for_problem(problem.id)
        words = self.problem_words(tracker, problem)
        dispatcher.utter_message(
            response="utter_agree_problem_reassured" if reassured else "utter_agree_problem",
            goal=goal,
            problem_words=words,
            step_title=step.title if step else service.name,
        )
        return []


class ActionTakeCorrection(Action):
    """"No" to "Have I got that right?". When the same message says what it is instead ("no, it's my
    parking permit", "no, my card keeps getting declined"), that is taken as the correction: a service
    named is checked and agreed afresh, a problem alone is agreed again. A bare no asks for it.
    Before, every no was asked "What are you trying to do?", and the words that said so were lost."""

    def name(self) -> str:
        return "action_take_correction"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        told = {entity.get("entity") for entity in tracker.latest_message.get("entities") or []}
        if "service" in told:  # the slot mapping has it: check that service and agree it (as for a new goal)
            return [FollowupAction("action_check_service_status")]
        if "problem" in told:
            return [FollowupAction("action_agree_problem")]
        dispatcher.utter_message(response="utter_ask_correction")
        return []
