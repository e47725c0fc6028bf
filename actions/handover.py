"""`action_handover`: pass the chat to an adviser with everything they need, and say so honestly (CS16, 6b)."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Protocol

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import CatalogueAction
from actions.conversation import (
    OFFER_CALLBACK_AGAIN,
    count_intent,
    customer_words,
    error_codes_seen,
    latest_entity,
    latest_intent,
    pages_visited,
    slot_history,
    stuck_count_at_step,
    trailing_intents,
)
from actions.hub_api import HandoverResult, HubApiError, default_hub_api
from actions.steps import WAITING, StepGuide, outcome
from bot.catalogue import Catalogue

logger = logging.getLogger(__name__)

# Why the customer is being handed over: the adviser sees it, the customer is told it.
REASONS = ("system_failure", "customer_request", "frustration", "stuck", "not_understood")


@dataclass
class HandoverSummary:
    """What the adviser needs so the customer never repeats themselves (CS16)."""

    conversation_id: str
    reason: str
    goal: str | None = None  # service id
    goal_name: str | None = None
    problem: str | None = None  # problem id
    familiarity: str | None = None
    step_id: str | None = None
    step_reached: str | None = None  # step title
    pages_visited: list[str] = field(default_factory=list)
    error_codes: list[str] = field(default_factory=list)
    tried: list[str] = field(default_factory=list)  # support modes, in the order tried
    identity_verified: bool = False
    failure_details: str | None = None  # what failed, when our system did
    customer_words: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class HandoverDesk(Protocol):
    """Where handovers go: the hub's `POST /api/handovers` (`actions.hub_api.HubApi`); tests pass a fake."""

    async def request(self, summary: HandoverSummary) -> HandoverResult: ...


def handover_reason(tracker: Tracker) -> str:
    intent = latest_intent(tracker)
    if tracker.get_slot("system_failure"):
        return "system_failure"
    if intent == "request_human":
        return "customer_request"
    if count_intent(tracker, "express_frustration") >= 2:
        return "frustration"
    if trailing_intents(tracker, "nlu_fallback") >= 2 or _offered_after_fallback(tracker):
        return "not_understood"
    if stuck_count_at_step(tracker, tracker.get_slot("current_step")) >= 3:
        return "stuck"
    return "customer_request"


def _offered_after_fallback(tracker: Tracker) -> bool:
    """The adviser was offered after two misunderstandings and the customer said yes."""
    intents = [((e.get("parse_data") or {}).get("intent") or {}).get("name") for e in tracker.events if e.get("event") == "user"]
    return len(intents) >= 3 and intents[-3:-1] == ["nlu_fallback", "nlu_fallback"]


def build_handover_summary(tracker: Tracker, catalogue: Catalogue, reason: str | None = None) -> HandoverSummary:
    """Everything so far: goal, problem, familiarity, step, pages, codes, what was tried, identity, words."""
    service = catalogue.get(tracker.get_slot("service") or "")
    step_id = tracker.get_slot("current_step") or next(
        (v for v in reversed(slot_history(tracker, "current_step")) if v), None
    )
    step = service.step(step_id) if service and step_id else None
    tried: list[str] = []
    for mode in slot_history(tracker, "support_mode"):
        if mode and mode not in tried:
            tried.append(mode)
    return HandoverSummary(
        conversation_id=tracker.sender_id,
        reason=reason or handover_reason(tracker),
        goal=service.id if service else None,
        goal_name=service.name if service else None,
        problem=tracker.get_slot("problem"),
        familiarity=tracker.get_slot("familiarity"),
        step_id=step.id if step else None,
        step_reached=step.title if step else None,
        pages_visited=pages_visited(tracker),
        error_codes=error_codes_seen(tracker),
        tried=tried,
        identity_verified=bool(tracker.get_slot("identity_verified")),
        failure_details=tracker.get_slot("failure_details") or next(
            (v for v in reversed(slot_history(tracker, "failure_details")) if v), None),
        customer_words=customer_words(tracker),
    )


CALLBACK_OFFERED = "callback_offered"  # no adviser can take the chat now: "shall one call you back?"


def _when(iso: str | None) -> str:
    """'Monday 30 November at 08:00' from the hub's ISO date-time; '' when there is none."""
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return ""
    return f"{moment:%A} {moment.day} {moment:%B} at {moment:%H:%M}"


def wait_words(minutes: int | None) -> dict[str, Any]:
    """The queue's wait estimate for the responses: `wait` reads "a minute" or "6 minutes"
    (`wait_minutes` is the number alone)."""
    minutes = max(1, minutes or 1)
    return {"wait_minutes": minutes, "wait": "a minute" if minutes == 1 else f"{minutes} minutes"}


class ActionHandover(CatalogueAction, Action):
    """Hands the chat to the advisers' queue with its summary, and tells the customer who, why and how long.

    The hub answers with a place in the queue, or says nobody can take it now (out of hours, no
    adviser online): then a callback is offered. When the hub cannot be reached the customer is
    told so honestly, with the other ways to get help; never "an adviser will reply" when none will.
    """

    def __init__(self, catalogue: Catalogue | None = None, desk: HandoverDesk | None = None) -> None:
        super().__init__(catalogue)
        self._desk = desk

    def name(self) -> str:
        return "action_handover"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        summary = build_handover_summary(tracker, self.catalogue)
        service_name = summary.goal_name or "this"
        try:
            result: HandoverResult | None = await (self._desk or default_hub_api()).request(summary)
        except HubApiError as exc:  # the hub refusing or failing must not lose the customer
            logger.warning("handover for %s could not be placed: %s", tracker.sender_id[:8], exc)
            result = None
        except Exception:
            logger.exception("handover for %s failed", tracker.sender_id[:8])
            result = None
        if result is None or not (result.queued or result.callback_offered):
            dispatcher.utter_message(response="utter_handover_failed", service_name=service_name)
            return [SlotSet("handover", False), outcome(WAITING)]
        if result.callback_offered:
            why = "out_of_hours" if result.why == "out_of_hours" else "no_adviser_online"
            dispatcher.utter_message(response=f"utter_callback_offer_{why}", service_name=service_name,
                                     opening_hours=result.opening_hours or "during our opening hours",
                                     next_opening=_when(result.next_opening) or "when we next open")
            return [SlotSet("handover", False), outcome(CALLBACK_OFFERED)]
        if result.already_open:
            if result.position == 0:  # an adviser has the chat already: no queue to be told of
                dispatcher.utter_message(response="utter_handover_claimed")
            else:
                dispatcher.utter_message(response="utter_handover_already_queued", position=result.position or 1,
                                         **wait_words(result.wait_minutes))
            return [SlotSet("handover", True), outcome(WAITING)]
        dispatcher.utter_message(response=f"utter_handover_reason_{summary.reason}", service_name=service_name)
        if result.position == 0:
            dispatcher.utter_message(response="utter_handover_claimed")
        else:
            dispatcher.utter_message(response="utter_handover_queued", position=result.position or 1,
                                     **wait_words(result.wait_minutes))
        return [SlotSet("handover", True), outcome(WAITING)]


class ActionOfferCallbackAgain(Action):
    """"Would you like a callback?" asked again after something said in between ("thanks", "why?"):
    the hub has already answered that nobody can take the chat now, so it is not asked again (that
    would store a second request); the customer's yes or no that follows counts as before."""

    def name(self) -> str:
        return OFFER_CALLBACK_AGAIN

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_callback_offer_again")
        return [outcome(CALLBACK_OFFERED)]


class ActionHandback(CatalogueAction, Action):
    """The chat is back with the assistant: it says so, and carries on from the step the adviser chose.

    `EXTERNAL_handback` comes from the hub: from the adviser (entities `step` and `note`, both
    optional) or from the customer's "back to the assistant" button (entity `by`: customer).
    """

    def name(self) -> str:
        return "action_handback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        events = [SlotSet("handover", False), SlotSet("system_failure", False)]
        if latest_entity(tracker, "by") == "customer":
            dispatcher.utter_message(response="utter_back_with_assistant")
            return events + [outcome(WAITING)]
        service = self.catalogue.get(tracker.get_slot("service") or "")
        step_id = latest_entity(tracker, "step")
        step = service.step(step_id) if service and step_id else None
        if service is None or step is None:
            dispatcher.utter_message(response="utter_handback")
            return events + [outcome(WAITING)]
        guided = StepGuide(dispatcher, tracker).give(service, step, lead="utter_handback_at_step")
        return events + [SlotSet("support_mode", "step_through")] + guided
