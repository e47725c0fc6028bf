"""`action_promote_related`: after a success, one related service with its benefit, once (P12, CS12)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import CatalogueAction
from actions.conversation import lower_first
from actions.steps import WAITING, outcome

PROMOTION_OFFERED = "promotion_offered"  # `outcome`: asked "would you like to ...?"


class ActionPromoteRelated(CatalogueAction, Action):
    """Offers the first related service not already used in this conversation; never a second time."""

    def name(self) -> str:
        return "action_promote_related"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        service = self.catalogue.get(tracker.get_slot("service") or "")
        if tracker.get_slot("promoted_service") or service is None:
            dispatcher.utter_message(response="utter_anything_else")
            return [outcome(WAITING)]
        used = {e.get("value") for e in tracker.events if e.get("event") == "slot" and e.get("name") == "service"}
        related = next(
            (r for r in service.related if r.service not in used and self.catalogue.get(r.service)), None
        )
        if related is None:
            dispatcher.utter_message(response="utter_anything_else")
            return [outcome(WAITING)]
        dispatcher.utter_message(
            response="utter_promote_related",
            related_name=lower_first(self.catalogue.get(related.service).name),
            benefit=related.benefit,
        )
        return [SlotSet("promoted_service", related.service), outcome(PROMOTION_OFFERED)]


class ActionAcceptPromotion(CatalogueAction, Action):
    """"Yes please" to the offer: the related service becomes the goal (its status is checked next)."""

    def name(self) -> str:
        return "action_accept_promotion"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        promoted = self.catalogue.get(tracker.get_slot("promoted_service") or "")
        if promoted is None:
            return []
        return [
            SlotSet("service", promoted.id),
            SlotSet("problem", None),
            SlotSet("support_mode", None),
            SlotSet("current_step", None),
        ]
