"""Doing it for the customer (P11, K4, K6, CS13): start, read back, then complete with their explicit yes."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import CatalogueAction
from actions.conversation import page_context
from actions.forms.completion import FIELD_SLOTS, SKIPPED, completion_details, fields_to_ask
from actions.forms.identity import identity_token
from actions.parsing import display_date
from actions.service_api import ServiceApiError
from actions.status import check_status, failure_details, say_status
from actions.steps import FAILED, FINISHED, WAITING, outcome
from bot.catalogue import Service

logger = logging.getLogger(__name__)
VERIFY_IDENTITY = "verify_identity"  # `outcome`: go on to the identity check


class ActionStartDoItForMe(CatalogueAction, Action):
    """Says what doing it for them means, checks the route works, then starts the identity check."""

    def name(self) -> str:
        return "action_start_do_it_for_me"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        page, _ = page_context(tracker)
        service = self.catalogue.get(tracker.get_slot("service") or "") or (
            self.catalogue.service_for_page(page) if page else None
        )
        if service is None:
            dispatcher.utter_message(response="utter_ask_service")
            return [SlotSet("support_mode", "do_it_for_me"), outcome(WAITING)]
        events: list[dict[str, Any]] = [SlotSet("service", service.id)]
        if not service.can_complete_for_customer or service.completion is None:
            dispatcher.utter_message(response="utter_cannot_do_it_for_you", service_name=service.name)
            return events + [outcome(WAITING)]
        status = await check_status(self.api, service)
        if status is None or not status.is_up:
            say_status(dispatcher, service, status, page_fault=False)
            return events + [SlotSet("system_failure", True), SlotSet("failure_details", failure_details(service, status)),
                             outcome(FAILED)]
        dispatcher.utter_message(
            response="utter_do_it_for_me_intro",
            service_name=service.name,
            assisted=service.completion.pros_cons.assisted,
        )
        events += [SlotSet(name, None) for name in FIELD_SLOTS]
        if not tracker.get_slot("identity_verified"):
            events += [SlotSet("account_reference", None), SlotSet("postcode", None), SlotSet("identity_attempts", 0)]
        return events + [
            SlotSet("support_mode", "do_it_for_me"),
            SlotSet("system_failure", False),
            outcome(VERIFY_IDENTITY),
        ]


def describe_details(service: Service, tracker: Tracker) -> str:
    """The answers, one per line, in words the customer can check."""
    lines = []
    if service.completion and service.completion.what_happens:
        lines.append(f"• what happens: {service.completion.what_happens}")
    for field in fields_to_ask(service):
        value = tracker.get_slot(field.name)
        label = field.name.replace("_", " ")
        if value in (None, SKIPPED, []):
            shown = "no change" if field.name in ("email", "phone") else "the full balance" if field.name == "amount" else "none"
        elif field.name == "amount":
            shown = f"£{value}"
        elif field.name == "collection_date":
            shown = display_date(str(value))
        elif isinstance(value, list):
            shown = ", ".join(v.replace("-", " ") for v in value)
        else:
            shown = str(value)
        lines.append(f"• {label}: {shown}")
    if service.completion and service.completion.charge:  # never a payment they were not told of
        lines.append(f"• payment: {service.completion.charge}")
    return "\n".join(lines)


class ActionReadBack(CatalogueAction, Action):
    """Reads back what will be done, for whom, and asks for an explicit yes before anything happens."""

    def name(self) -> str:
        return "action_read_back"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        service = self.catalogue.get(tracker.get_slot("service") or "")
        if service is None:
            dispatcher.utter_message(response="utter_ask_service")
            return []
        details = describe_details(service, tracker)
        dispatcher.utter_message(
            response="utter_read_back" if details else "utter_read_back_no_details",
            service_name=service.name,
            name=tracker.get_slot("identity_name") or "you",
            details=details,
        )
        return []


class ActionCompleteForCustomer(CatalogueAction, Action):
    """Completes the service through the API after identity and consent; the reference goes back to them."""

    def name(self) -> str:
        return "action_complete_for_customer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        service = self.catalogue.get(tracker.get_slot("service") or "")
        token = identity_token(tracker)
        if service is None or token is None or not service.can_complete_for_customer:
            # never act without a verified identity (CS13)
            dispatcher.utter_message(response="utter_cannot_without_identity")
            return [outcome(WAITING)]
        try:
            done = await self.api.create_transaction(service.id, token, completion_details(service, tracker))
        except ServiceApiError as exc:
            logger.warning("completing %s failed: %s", service.id, exc)
            return self.refused_or_failed(dispatcher, service, exc, describe_details(service, tracker))
        dispatcher.utter_message(
            response="utter_completed_for_customer",
            service_name=service.name,
            reference=done.reference,
            summary=done.summary or service.name,
        )
        return [SlotSet("system_failure", False), SlotSet("problem", None), outcome(FINISHED)]

    @staticmethod
    def refused_or_failed(dispatcher: CollectingDispatcher, service: Service, exc: ServiceApiError,
                          agreed: str = "") -> list[dict[str, Any]]:
        """A reason the customer can act on (400/409 with a code), else our failure, said honestly.

        On our failure the details the customer agreed to (`agreed`, the read-back) go into the
        handover's failure details, so the adviser can finish it without asking for them again, and
        knows to check first whether a request that timed out went through."""
        if exc.is_customer_side:
            problem = service.problem_for_error_code(exc.code or "")
            if problem is not None and not problem.system_fault:
                dispatcher.utter_message(response="utter_completion_refused", help=problem.help)
                return [SlotSet("problem", problem.id), SlotSet("system_failure", False), outcome(WAITING)]
            if exc.detail:
                dispatcher.utter_message(response="utter_completion_not_possible", reason=exc.detail)
                return [SlotSet("system_failure", False), outcome(WAITING)]
        dispatcher.utter_message(
            response="utter_completion_unconfirmed" if exc.timed_out else "utter_completion_failed",
            service_name=service.name,
        )
        details = f"{service.name}: doing it for the customer failed: the service API {exc}"
        if exc.timed_out:
            details += " (it may have gone through: check before doing it again)"
        if agreed:
            details += ". The customer agreed: " + "; ".join(line.lstrip("• ") for line in agreed.splitlines())
        return [SlotSet("system_failure", True), SlotSet("failure_details", details), outcome(FAILED)]
