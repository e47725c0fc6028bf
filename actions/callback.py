"""A callback when no adviser can take the chat (CS17): name, phone or email, a time; checked, stored, confirmed.

`callback_form` asks for the three details; `validate_callback_form` checks each answer with
the rules the hub uses (`bot.callback_details`) and asks again, saying what is wrong;
`action_request_callback` stores the ticket through the hub (`POST /api/callbacks`). If the
hub still rejects a detail, that detail is asked for again; if the hub cannot be reached the
customer is told so, with the other ways to reach us — nothing is half-stored.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.hub_api import HubApi, HubApiError, default_hub_api
from actions.steps import WAITING, outcome
from bot.callback_details import (
    EMAIL_IN_TEXT,
    PHONE_IN_TEXT,
    contact_from_words,
    name_from_words,
    preferred_time_from_words,
)

logger = logging.getLogger(__name__)

SLOTS = ("callback_name", "callback_contact", "callback_time")
# the hub's field names → the slot that answers them
HUB_FIELDS = {"name": "callback_name", "phone": "callback_contact", "email": "callback_contact",
              "contact": "callback_contact", "preferred_time": "callback_time"}
WHEN_WORDS = {"asap": "as soon as possible", "morning": "in the morning", "afternoon": "in the afternoon"}


# what leads up to a number or address ("and my email is", "you can call me on"), left when it is taken out
_CONTACT_LEAD = re.compile(
    r"(?:\b(?:and|or)\b\s*)?(?:\b(?:my|the|best|your)\s+)?\b(?:phone|mobile|tel|telephone|number|email|e-mail)\b.*$"
    r"|(?:\b(?:and|or)\b\s*)?\b(?:you\s+can\s+)?(?:call|reach|contact|ring|text|email)\s+me\b.*$"
    r"|\b(?:and|or|on|at)\s*$", re.IGNORECASE)


def _without_contact(text: str) -> str:
    """What is left of a message once its email address and phone number, and the words that lead
    up to them, are taken out: "Sam Jones and my email is sam@example.com" → "Sam Jones"."""
    text = PHONE_IN_TEXT.sub(" ", EMAIL_IN_TEXT.sub(" ", text))
    text = _CONTACT_LEAD.sub("", re.sub(r"\s+", " ", text).strip(" ,;.-"))
    return text.strip(" ,;.-")


def _problem(dispatcher: CollectingDispatcher, message: str) -> None:
    dispatcher.utter_message(response="utter_callback_detail_problem", problem=message)


class ValidateCallbackForm(FormValidationAction):
    """Each detail as the customer gives it: the cleaned value, or the reason it can't be used."""

    def name(self) -> str:
        return "validate_callback_form"

    def _check(self, check, value: Any, slot: str, dispatcher: CollectingDispatcher) -> dict[str, Any]:
        try:
            return {slot: check(value)}
        except ValueError as exc:
            _problem(dispatcher, str(exc))
            return {slot: None}

    def validate_callback_name(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> dict[str, Any]:
        """A name; a phone number or email given with it or instead of it is kept, not refused
        ("Sam Jones 07700 900123", or the number alone when the name was asked)."""
        try:
            _, contact = contact_from_words(value)
        except ValueError:
            return self._check(name_from_words, value, "callback_name", dispatcher)
        filled = {"callback_contact": contact}
        if tracker.get_slot("callback_contact") is None:
            dispatcher.utter_message(response="utter_callback_contact_noted", contact=contact)
        try:
            filled["callback_name"] = name_from_words(_without_contact(str(value)))
        except ValueError:
            filled["callback_name"] = None  # the form asks for the name again
        return filled

    def validate_callback_contact(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> dict[str, Any]:
        return self._check(lambda v: contact_from_words(v)[1], value, "callback_contact", dispatcher)

    def validate_callback_time(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> dict[str, Any]:
        return self._check(preferred_time_from_words, value, "callback_time", dispatcher)


class ActionRequestCallback(Action):
    """Stores the callback ticket through the hub and gives the customer its reference and what happens next."""

    def __init__(self, hub: HubApi | None = None) -> None:
        self._hub = hub

    def name(self) -> str:
        return "action_request_callback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        name, contact, when = (tracker.get_slot(slot) for slot in SLOTS)
        by_email = isinstance(contact, str) and "@" in contact
        try:
            ticket = await (self._hub or default_hub_api()).request_callback(
                name=name or "", email=contact if by_email else None, phone=None if by_email else contact,
                preferred_time=when or "asap", conversation_id=tracker.sender_id,
            )
        except HubApiError as exc:
            wrong = {HUB_FIELDS[f]: message for f, message in exc.fields.items() if f in HUB_FIELDS}
            if exc.is_rejected and wrong:
                for message in dict.fromkeys(wrong.values()):
                    _problem(dispatcher, message)
                return [SlotSet(slot, None) for slot in wrong] + [FollowupAction("callback_form")]
            logger.warning("callback for %s not stored: %s", tracker.sender_id[:8], exc)
            dispatcher.utter_message(response="utter_callback_failed")
            return [*(SlotSet(slot, None) for slot in SLOTS), outcome(WAITING)]
        dispatcher.utter_message(
            response="utter_callback_booked_email" if ticket.contact == "email" else "utter_callback_booked_phone",
            reference=ticket.reference,
            when=WHEN_WORDS.get(ticket.preferred_time, f"at {ticket.preferred_time.replace('T', ' ')}"),
            opening_hours=ticket.opening_hours or "during our opening hours",
        )
        return [*(SlotSet(slot, None) for slot in SLOTS), outcome(WAITING)]
