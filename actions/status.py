"""`action_check_service_status`: ask the service API before advising (P1, P7; evidence 6b)."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import default_catalogue, default_service_api, latest_metadata
from actions.service_api import ServiceApi, ServiceApiError
from bot.catalogue import Catalogue

logger = logging.getLogger(__name__)


class ActionCheckServiceStatus(Action):
    """Checks the service the customer wants; a system failure is named honestly, never blamed on them."""

    def __init__(self, catalogue: Optional[Catalogue] = None, api: Optional[ServiceApi] = None) -> None:
        self._catalogue = catalogue
        self._api = api

    def name(self) -> Text:
        return "action_check_service_status"

    @property
    def catalogue(self) -> Catalogue:
        return self._catalogue or default_catalogue()

    @property
    def api(self) -> ServiceApi:
        return self._api or default_service_api()

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        catalogue = self.catalogue
        service_id = tracker.get_slot("service")
        page = latest_metadata(tracker).get("page")
        if not service_id and page:
            found = catalogue.service_for_page(page)
            service_id = found.id if found else None
        service = catalogue.services.get(service_id) if service_id else None
        if service is None:
            dispatcher.utter_message(response="utter_ask_service")
            return [SlotSet("service", None)]

        events: List[Dict[Text, Any]] = [SlotSet("service", service.id)]
        error_code = latest_metadata(tracker).get("error_code") or tracker.get_slot("error_code")
        page_fault = catalogue.problem_for_error_code(error_code, service.id) if error_code else None
        try:
            status = await self.api.status(service.status_key)
        except ServiceApiError as exc:
            logger.warning("service API failed for %s: %s", service.id, exc)
            dispatcher.utter_message(response="utter_service_unreachable", service_name=service.name)
            return events + [SlotSet("system_failure", True)]

        if status.status == "down":
            dispatcher.utter_message(response="utter_service_down", service_name=service.name)
            return events + [SlotSet("system_failure", True)]
        if status.status == "degraded" or (page_fault is not None and page_fault.system_fault):
            dispatcher.utter_message(response="utter_service_degraded", service_name=service.name)
            return events + [SlotSet("system_failure", True)]
        dispatcher.utter_message(response="utter_service_up", service_name=service.name)
        return events + [SlotSet("system_failure", False)]
