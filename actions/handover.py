"""`action_handover`: pass the chat to an adviser with everything they need, and say so honestly (CS16, 6b)."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import CatalogueAction
from actions.conversation import (
    count_intent,
    customer_words,
    error_codes_seen,
    latest_intent,
    pages_visited,
    slot_history,
    stuck_count_at_step,
    trailing_intents,
)
from actions.steps import WAITING, outcome
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
    step_reached: str | None = None  # step title
    pages_visited: list[str] = field(default_factory=list)
    error_codes: list[str] = field(default_factory=list)
    tried: list[str] = field(default_factory=list)  # support modes, in the order tried
    identity_verified: bool = False
    customer_words: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class HandoverTicket:
    """The hub's answer: where the customer is in the queue and roughly how long."""

    position: int
    wait_minutes: int


class HandoverDesk(Protocol):
    """Where handovers go (the hub's `POST /api/handovers`, issue 5); tests pass a fake."""

    async def request(self, summary: HandoverSummary) -> HandoverTicket | None: ...


class RecordingDesk:
    """Until the hub takes handovers: the request is recorded in the action server's log only."""

    async def request(self, summary: HandoverSummary) -> HandoverTicket | None:
        logger.info("handover requested for %s (reason %s)", summary.conversation_id, summary.reason)
        return None


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
        step_reached=step.title if step else None,
        pages_visited=pages_visited(tracker),
        error_codes=error_codes_seen(tracker),
        tried=tried,
        identity_verified=bool(tracker.get_slot("identity_verified")),
        customer_words=customer_words(tracker),
    )


class ActionHandover(CatalogueAction, Action):
    """Records the handover with its summary and tells the customer who takes over, why, and what happens next."""

    def __init__(self, catalogue: Catalogue | None = None, desk: HandoverDesk | None = None) -> None:
        super().__init__(catalogue)
        self.desk = desk or RecordingDesk()

    def name(self) -> str:
        return "action_handover"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        summary = build_handover_summary(tracker, self.catalogue)
        try:
            ticket = await self.desk.request(summary)
        except Exception:  # the desk failing must not lose the customer
            logger.exception("handover desk failed for %s", tracker.sender_id)
            ticket = None
        reason_response = f"utter_handover_reason_{summary.reason}"
        dispatcher.utter_message(response=reason_response, service_name=summary.goal_name or "this")
        if ticket is not None:
            dispatcher.utter_message(
                response="utter_handover_queued", position=ticket.position, wait_minutes=ticket.wait_minutes
            )
        else:
            dispatcher.utter_message(response="utter_handover_recorded")
        return [SlotSet("handover", True), outcome(WAITING)]


class ActionHandback(Action):
    """The adviser handed the chat back: the assistant says it is back and carries on."""

    def name(self) -> str:
        return "action_handback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_handback")
        return [SlotSet("handover", False), SlotSet("system_failure", False), outcome(WAITING)]
