"""`action_offer_support_options` and `action_retry_alone`: try again with a tip, be stepped through, or have it done (P5, P11)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import CatalogueAction
from actions.status import check_status


class ActionOfferSupportOptions(CatalogueAction, Action):
    """Offers the ways forward, with honest pros and cons; on a system failure, an adviser first."""

    def name(self) -> str:
        return "action_offer_support_options"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        service = self.catalogue.get(tracker.get_slot("service") or "")
        if service is None:
            dispatcher.utter_message(response="utter_ask_service")
            return []
        if tracker.get_slot("system_failure"):
            # Doing it for them goes through the same service API: offer it only if that
            # still answers "up" now (the failure was on a page, not the whole service).
            route_ok = False
            if service.can_complete_for_customer:
                status = await check_status(self.api, service)
                route_ok = status is not None and status.is_up
            dispatcher.utter_message(
                response="utter_failure_options_with_assist" if route_ok else "utter_failure_options",
                service_name=service.name,
            )
            return []

        problem = service.problem(tracker.get_slot("problem") or "")
        tried_alone = tracker.get_slot("support_mode") == "retry_alone"
        pros_cons = service.completion.pros_cons if service.can_complete_for_customer and service.completion else None
        if problem is not None and not problem.system_fault and not tried_alone:
            dispatcher.utter_message(response="utter_retry_tip", tip=problem.help)
        if pros_cons is None:
            dispatcher.utter_message(response="utter_support_options_no_assist", service_name=service.name)
        else:
            dispatcher.utter_message(
                response="utter_support_options_after_retry" if tried_alone else "utter_support_options",
                self_service=pros_cons.self_service,
                assisted=pros_cons.assisted,
            )
        return []


class ActionRetryAlone(Action):
    """The customer will try again on their own: wish them well and stay on hand."""

    def name(self) -> str:
        return "action_retry_alone"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        # "try again" and "if the same thing happens" only when there was a difficulty
        said = "utter_retry_go_ahead" if tracker.get_slot("problem") else "utter_go_ahead_alone"
        dispatcher.utter_message(response=said)
        return [SlotSet("support_mode", "retry_alone")]
