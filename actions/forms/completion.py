"""`validate_completion_form` and `action_ask_<field>`: the details a service needs, asked in the catalogue's words."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import date
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.context import CatalogueAction
from actions.conversation import response_said
from actions.parsing import (
    is_skip,
    looks_past,
    parse_amount,
    parse_choice,
    parse_choices,
    parse_date,
    parse_email,
    parse_phone,
    parse_registration,
)
from bot.catalogue import Catalogue, Service
from bot.catalogue.models import CompletionField

# Every field the catalogue may ask for has a slot of the same name in the domain.
FIELD_SLOTS = ("amount", "registration", "items", "collection_date", "bin_type", "email", "phone")
SKIPPED = ""  # an optional answer the customer chose not to give


def is_fixed(field: CompletionField) -> bool:
    """A required field with only one possible answer needs no question."""
    return field.required and len(field.choices) == 1


def fields_to_ask(service: Service | None) -> list[CompletionField]:
    if service is None or service.completion is None:
        return []
    return [f for f in service.completion.fields if not is_fixed(f)]


def completion_details(service: Service, tracker: Tracker) -> dict[str, Any]:
    """The details the service API needs, from the answers (skipped optional ones left out)."""
    details: dict[str, Any] = {}
    for field in service.completion.fields if service.completion else []:
        if is_fixed(field):
            details[field.name] = field.choices[0]
            continue
        value = tracker.get_slot(field.name)
        if value not in (None, SKIPPED, []):
            details[field.name] = value
    return details


def _parse(field: CompletionField, text: str, today: date) -> Any:
    """The value for the API, SKIPPED for a declined optional field, None when not understood."""
    if not field.required and is_skip(text) and field.name != "amount":
        return SKIPPED
    if field.name == "amount":
        return parse_amount(text)
    if field.name == "registration":
        return parse_registration(text)
    if field.name == "items":
        return parse_choices(text, field.choices, field.choice_words) or None
    if field.name == "collection_date":
        day = parse_date(text, today, past=looks_past(field.prompt))
        return day.isoformat() if day else None
    if field.name == "email":
        return parse_email(text)
    if field.name == "phone":
        return parse_phone(text)
    if field.choices:
        return parse_choice(text, field.choices, field.choice_words)
    return text.strip() or None


class ValidateCompletionForm(CatalogueAction, FormValidationAction):
    """Asks only for the fields the customer's service needs, and understands the answers."""

    def __init__(self, *args: Any, today: Callable[[], date] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._today = today or date.today

    def name(self) -> str:
        return "validate_completion_form"

    def service(self, tracker: Tracker) -> Service | None:
        return self.catalogue.get(tracker.get_slot("service") or "")

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        return [f.name for f in fields_to_ask(self.service(tracker))]

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        events = await super().run(dispatcher, tracker, domain)
        service = self.service(tracker)
        optional = [f for f in fields_to_ask(service) if not f.required]
        # Several optional fields and nothing else (contact details): skipping them all would
        # leave nothing to do, so at least one answer is needed. One optional field (an amount)
        # skipped means the service's default.
        if len(optional) > 1 and len(optional) == len(fields_to_ask(service)):
            values = {f.name: tracker.get_slot(f.name) for f in optional}
            if all(v == SKIPPED for v in values.values()):
                dispatcher.utter_message(response="utter_need_one_change")
                first = optional[0].name
                events = [e for e in events if e.get("name") not in (*values, "requested_slot")]
                events += [SlotSet(name, None) for name in values] + [SlotSet("requested_slot", first)]
        return events


def misses_in_this_form(tracker: Tracker, field_name: str) -> int:
    """How many answers for this field were not understood since the details form last started."""
    misses = 0
    for event in tracker.events:
        if event.get("event") == "active_loop" and event.get("name") == "completion_form":
            misses = 0
        elif response_said(event) == f"utter_invalid_{field_name}":
            misses += 1
    return misses


def _validator(field_name: str):
    def validate(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        service = self.service(tracker)
        field = next((f for f in fields_to_ask(service) if f.name == field_name), None)
        if field is None or value is None:
            return {field_name: None}  # not asked for this service, or cleared when starting
        if isinstance(value, list) and value and all(v in field.choices for v in value):
            return {field_name: value}  # already the catalogue's choices (a button, or parsed before)
        if isinstance(value, list):  # a list slot keeps the customer's text as ["a sofa and a fridge"]
            value = " ".join(str(v) for v in value)
        elif isinstance(value, dict):
            return {field_name: value}
        parsed = _parse(field, str(value), self._today())
        if parsed is None:
            dispatcher.utter_message(response=f"utter_invalid_{field_name}", choices=", ".join(field.choices))
            if misses_in_this_form(tracker, field_name):  # the second time or more: say how else it can be done
                dispatcher.utter_message(response="utter_invalid_way_out")
        return {field_name: parsed}

    validate.__name__ = f"validate_{field_name}"
    return validate


for _name in FIELD_SLOTS:
    setattr(ValidateCompletionForm, f"validate_{_name}", _validator(_name))


class AskCompletionField(CatalogueAction, Action, ABC):
    """Asks for one completion field with the catalogue's own question (and its choices as buttons)."""

    @property
    @abstractmethod
    def field_name(self) -> str:
        """The completion field (and slot) this action asks for."""

    def name(self) -> str:
        return f"action_ask_{self.field_name}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        service = self.catalogue.get(tracker.get_slot("service") or "")
        field = next((f for f in fields_to_ask(service) if f.name == self.field_name), None)
        if field is None:
            return []
        buttons = [{"title": c.replace("-", " "), "payload": c} for c in field.choices] if 1 < len(field.choices) <= 4 else []
        dispatcher.utter_message(response="utter_ask_completion_field", prompt=field.prompt, buttons=buttons)
        return []


ASK_ACTIONS = {
    name: type(f"AskCompletionField_{name}", (AskCompletionField,), {"field_name": name, "__module__": __name__})
    for name in FIELD_SLOTS
}


def catalogue_fields(catalogue: Catalogue) -> set:
    """Every completion field the catalogue uses (the domain needs a slot for each)."""
    return {f.name for s in catalogue.services.values() if s.completion for f in fields_to_ask(s)}
