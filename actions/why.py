"""`action_explain_why`: why a step, or a question we ask, is needed — at any point (P10)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.context import CatalogueAction
from actions.conversation import current_step

IDENTITY_FORM = "identity_form"
COMPLETION_FORM = "completion_form"


class ActionExplainWhy(CatalogueAction, Action):
    """Answers "why?" from the catalogue: the step's `why`, or why we check who they are."""

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
        if service is None:
            dispatcher.utter_message(response="utter_why_which_step")
            return []
        step = current_step(tracker, service)
        if step is None:
            dispatcher.utter_message(response="utter_why_service", service_name=service.name, summary=service.summary)
            return []
        dispatcher.utter_message(
            response="utter_why_step",
            json_message={"highlight": step.highlight} if step.highlight else None,
            step_title=step.title,
            step_why=step.why,
        )
        return []
