"""`validate_identity_form`: account reference and postcode, checked with the service API (P11, CS13)."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.context import CatalogueAction
from actions.parsing import find_postcode, find_reference, normalise_postcode, normalise_reference
from actions.service_api import ServiceApiError

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 2  # two failed checks and we stop: we never act on an unverified account


def _latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


class ValidateIdentityForm(CatalogueAction, FormValidationAction):
    """Reads the reference and postcode however they are typed, then asks the API if they match."""

    def name(self) -> str:
        return "validate_identity_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        done = (
            tracker.get_slot("identity_verified")
            or tracker.get_slot("system_failure")
            or (tracker.get_slot("identity_attempts") or 0) >= MAX_ATTEMPTS
        )
        return [] if done else domain_slots

    async def extract_account_reference(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        found = find_reference(_latest_text(tracker)) if tracker.get_slot("requested_slot") else None
        return {"account_reference": found} if found else {}

    async def extract_postcode(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        found = find_postcode(_latest_text(tracker)) if tracker.get_slot("requested_slot") else None
        return {"postcode": found} if found else {}

    def validate_account_reference(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            return {"account_reference": None}  # cleared, not typed: nothing to say
        reference = normalise_reference(value)
        if reference is None:
            dispatcher.utter_message(response="utter_reference_format")
        return {"account_reference": reference}

    def validate_postcode(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            return {"postcode": None}
        postcode = normalise_postcode(value)
        if postcode is None:
            if tracker.get_slot("requested_slot") != "account_reference":
                dispatcher.utter_message(response="utter_postcode_format")
            elif "account_reference" not in tracker.slots_to_validate():
                # the answer to the reference question that the NLU took for a postcode ("RV123456"):
                # what is wrong with it as a reference, not "that doesn't look like a postcode"
                dispatcher.utter_message(response="utter_reference_format")
        return {"postcode": postcode}

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        extraction = await self.get_extraction_events(dispatcher, tracker, domain)
        tracker.add_slots(extraction)
        validation = await self.get_validation_events(dispatcher, tracker, domain)
        tracker.add_slots(validation)
        checked = await self.check_identity(dispatcher, tracker)
        tracker.add_slots(checked)
        next_slot = await self.next_requested_slot(dispatcher, tracker, domain)
        return validation + checked + ([next_slot] if next_slot else [])

    async def check_identity(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        """Once both are in: verified, not matched (ask again, or stop after two), or the API failed."""
        reference, postcode = tracker.get_slot("account_reference"), tracker.get_slot("postcode")
        if not reference or not postcode or tracker.get_slot("identity_verified"):
            return []
        try:
            result = await self.api.identity_check(reference, postcode)
        except ServiceApiError as exc:
            if exc.status == 400:
                result = None  # the API did not accept the format: as good as not matched
            else:
                logger.warning("identity check failed: %s", exc)
                dispatcher.utter_message(response="utter_identity_check_unavailable")
                return [SlotSet("identity_verified", False), SlotSet("system_failure", True)]
        if result is not None and result.verified:
            dispatcher.utter_message(response="utter_identity_verified", name=result.name or "you")
            return [
                SlotSet("identity_verified", True),
                SlotSet("identity_token", result.token),
                SlotSet("identity_name", result.name),
                SlotSet("identity_attempts", 0),
            ]
        attempts = int(tracker.get_slot("identity_attempts") or 0) + 1
        events: list[dict[str, Any]] = [
            SlotSet("identity_attempts", attempts),
            SlotSet("identity_verified", False),
            SlotSet("account_reference", None),
            SlotSet("postcode", None),
        ]
        if attempts < MAX_ATTEMPTS:
            dispatcher.utter_message(response="utter_identity_not_matched")
        return events


def identity_token(tracker: Tracker) -> str | None:
    """The proof of identity the API gave, while the customer counts as verified."""
    return tracker.get_slot("identity_token") if tracker.get_slot("identity_verified") else None
