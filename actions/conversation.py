"""Reading the conversation: the latest intent, the page the customer is on, what happened so far."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction

from actions.context import latest_metadata
from bot.catalogue import Catalogue, Service
from bot.catalogue.models import Problem, Step

PAGE_CHANGED = "EXTERNAL_page_changed"
HANDBACK = "EXTERNAL_handback"


def latest_intent(tracker: Tracker) -> str:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""


def _entity_values(message: dict[str, Any], name: str) -> list[Any]:
    return [e.get("value") for e in message.get("entities") or [] if e.get("entity") == name]


def _text_or_none(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def latest_entity(tracker: Tracker, name: str) -> str | None:
    """The first non-empty value of entity `name` in the customer's latest message (or triggered intent)."""
    return next(filter(None, map(_text_or_none, _entity_values(tracker.latest_message or {}, name))), None)


def page_context(tracker: Tracker) -> tuple[str | None, str | None]:
    """(page, error_code) of the customer's latest message or page_view, when the widget sent them."""
    message = tracker.latest_message or {}
    metadata = latest_metadata(tracker)
    page = _text_or_none(metadata.get("page"))
    code = _text_or_none(metadata.get("error_code"))
    if page is None:
        page = next(filter(None, map(_text_or_none, _entity_values(message, "page"))), None)
        code = code or next(filter(None, map(_text_or_none, _entity_values(message, "error_code"))), None)
    elif code is None and latest_intent(tracker) == PAGE_CHANGED:
        code = next(filter(None, map(_text_or_none, _entity_values(message, "error_code"))), None)
    return page, code.upper() if code else None


def typed_error_code(tracker: Tracker) -> str | None:
    """An error code the customer typed in their latest message ("it says CARD_DECLINED")."""
    if latest_intent(tracker) == PAGE_CHANGED:
        return None
    codes = [c for c in _entity_values(tracker.latest_message or {}, "error_code") if _text_or_none(c)]
    return codes[0].strip().upper() if codes else None


def user_events(tracker: Tracker) -> list[dict[str, Any]]:
    return [e for e in tracker.events if e.get("event") == "user"]


def event_intent(event: dict[str, Any]) -> str:
    return ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""


def trailing_intents(tracker: Tracker, intent: str) -> int:
    """How many of the customer's latest messages in a row had this intent."""
    count = 0
    for event in reversed(user_events(tracker)):
        if event_intent(event) == PAGE_CHANGED:
            continue
        if event_intent(event) != intent:
            break
        count += 1
    return count


def count_intent(tracker: Tracker, intent: str) -> int:
    return sum(1 for e in user_events(tracker) if event_intent(e) == intent)


def stuck_count_at_step(tracker: Tracker, step_id: str | None) -> int:
    """How many times the customer has said they are stuck since they reached this step."""
    value, since = None, 0
    for index, event in enumerate(tracker.events):
        if event.get("event") == "slot" and event.get("name") == "current_step":
            if event.get("value") != value:
                since = index  # the step changed here: to this one, or away from it
            value = event.get("value")
    return sum(
        1 for e in tracker.events[since:] if e.get("event") == "user" and event_intent(e) == "stuck"
    )


def customer_words(tracker: Tracker) -> list[str]:
    """What the customer typed, in order (page views and button payloads left out)."""
    words = []
    for event in user_events(tracker):
        text = event.get("text") or ""
        typed = text and not text.startswith("/") and not text.startswith("EXTERNAL")
        if typed and event_intent(event) not in (PAGE_CHANGED, HANDBACK):
            words.append(text)
    return words


def _event_page(event: dict[str, Any]) -> tuple[str | None, str | None]:
    metadata = event.get("metadata") or {}
    metadata = metadata if isinstance(metadata, dict) else {}
    parse = event.get("parse_data") or {}
    page = _text_or_none(metadata.get("page")) or next(
        filter(None, map(_text_or_none, _entity_values(parse, "page"))), None
    )
    code = _text_or_none(metadata.get("error_code")) or next(
        filter(None, map(_text_or_none, _entity_values(parse, "error_code"))), None
    )
    return page, code


def pages_visited(tracker: Tracker) -> list[str]:
    """Every page the widget reported, in order, without repeats in a row."""
    pages: list[str] = []
    for event in user_events(tracker):
        page, _ = _event_page(event)
        if page and (not pages or pages[-1] != page):
            pages.append(page)
    return pages


def error_codes_seen(tracker: Tracker) -> list[str]:
    """Every error code shown on the customer's pages or typed by them, first time each."""
    codes: list[str] = []
    for event in user_events(tracker):
        _, code = _event_page(event)
        typed = [c for c in _entity_values(event.get("parse_data") or {}, "error_code") if _text_or_none(c)]
        for value in ([code] if code else []) + typed:
            value = value.strip().upper()
            if value not in codes:
                codes.append(value)
    return codes


def slot_history(tracker: Tracker, name: str) -> list[Any]:
    """Every value a slot was set to, in order."""
    return [e.get("value") for e in tracker.events if e.get("event") == "slot" and e.get("name") == name]


def words_for_problem(tracker: Tracker, problem_id: str | None) -> str | None:
    """The customer's own words for a problem: the text the NLU tagged with it, latest first."""
    if not problem_id:
        return None
    for event in reversed(user_events(tracker)):
        text = event.get("text") or ""
        for entity in (event.get("parse_data") or {}).get("entities") or []:
            if entity.get("entity") == "problem" and entity.get("value") == problem_id:
                start, end = entity.get("start"), entity.get("end")
                if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
                    return text[start:end]
    return None


def first(items: Iterable[Any]) -> Any:
    return next(iter(items), None)


# --- catalogue look-ups that use the conversation ------------------------------------------


def service_from_problem(catalogue: Catalogue, problem_id: str | None) -> Service | None:
    """The service a problem belongs to, when only one can be meant.

    Several services sharing one screen (`/sign-in`) count as one: the screen's own service.
    """
    if not problem_id:
        return None
    candidates = catalogue.services_with_problem(problem_id)
    if len(candidates) == 1:
        return candidates[0]
    screens = {
        step.screen
        for service in candidates
        for step in [service.step_for_problem(problem_id)]
        if step is not None
    }
    if len(candidates) > 1 and len(screens) == 1 and all(s.step_for_problem(problem_id) for s in candidates):
        return catalogue.service_for_page(screens.pop())
    return None


def step_on_page(service: Service, page: str | None) -> Step | None:
    return service.step_for_page(page) if page and service.owns_page(page) else None


def current_step(tracker: Tracker, service: Service) -> Step | None:
    """The step the customer is on: the page they are looking at, else the one we last gave."""
    page, _ = page_context(tracker)
    return step_on_page(service, page) or (
        service.step(tracker.get_slot("current_step")) if tracker.get_slot("current_step") else None
    )


def problem_on_page(
    catalogue: Catalogue, service: Service | None, code: str | None
) -> Problem | None:
    if not code:
        return None
    return catalogue.problem_for_error_code(code, service.id if service else None)


def lower_first(text: str) -> str:
    """"Pay your council tax" → "pay your council tax" (for "you're trying to ...")."""
    return text[:1].lower() + text[1:] if text else text


def slot_before_latest_message(tracker: Tracker, name: str) -> Any:
    """A slot's value as it was before the customer's latest message filled anything."""
    last_user = max((i for i, e in enumerate(tracker.events) if e.get("event") == "user"), default=None)
    events = tracker.events if last_user is None else tracker.events[:last_user]
    value = None
    for event in events:
        if event.get("event") == "slot" and event.get("name") == name:
            value = event.get("value")
        elif event.get("event") in ("restart", "session_started"):
            value = None if event.get("event") == "restart" else value
    return value


# The questions a customer answers with a choice (yes / no, or a button). Something else said in
# between (thanks, "are you a bot?", what the assistant did not follow or does not cover) is
# answered, and the question is asked again, so that the answer to it still counts: the dialogue's
# rules take a "yes" as the answer to the question asked just before it.
OFFER_CALLBACK_AGAIN = "action_offer_callback_again"
QUESTIONS_ASKED_AGAIN = ("utter_ask_familiarity", "action_agree_problem", "action_offer_support_options",
                         "action_read_back", OFFER_CALLBACK_AGAIN)
# A question some actions end with, and the action that asks it again on its own: the handover's
# "Would you like a callback?" (the handover itself would ask the hub a second time).
ASKED_AGAIN_BY = {("action_handover", "callback_offered"): OFFER_CALLBACK_AGAIN}


def pending_question(tracker: Tracker) -> str | None:
    """The question (one of QUESTIONS_ASKED_AGAIN) the customer's latest message came in answer to,
    else None. The agreement during a step-through is not one: it answered a problem on a page."""
    answered = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            if answered:
                return None
            answered = True
        elif kind == "action" and not answered and event.get("name") in QUESTIONS_ASKED_AGAIN:
            return None  # asked again already in this turn: never a second time (nor a loop)
        elif kind == "action" and answered and event.get("name") not in (None, "action_listen"):
            name = event["name"]
            if name == "action_agree_problem" and tracker.get_slot("support_mode") == "step_through":
                return None
            name = ASKED_AGAIN_BY.get((name, tracker.get_slot("outcome")), name)
            return name if name in QUESTIONS_ASKED_AGAIN else None
    return None



@dataclass(frozen=True)
class Interrupted:
    """What the customer's latest message interrupted: one of the assistant's questions (asked again
    with a FollowupAction once the aside is answered), or a form (which asks its own again)."""

    question: str | None = None
    in_form: bool = False

    @property
    def waiting(self) -> bool:
        return bool(self.question) or self.in_form

    def ask_again(self) -> list[dict[str, Any]]:
        return [FollowupAction(self.question)] if self.question else []


def interrupted(tracker: Tracker) -> Interrupted:
    """The question or form the customer was in the middle of answering, read once per turn."""
    return Interrupted(pending_question(tracker), bool((tracker.active_loop or {}).get("name")))

# What the assistant says that tells a customer new to online services it will take it slowly:
# always for the acknowledgement, and for the agreement when it was said to a new customer.
REASSURING_ALWAYS = frozenset({"utter_ack_new_user"})
REASSURING_WHEN_NEW = frozenset({"utter_agree_goal", "utter_agree_problem"})


def response_said(event: dict[str, Any]) -> str | None:
    """The domain response a bot event said (Rasa keeps its name in the event's metadata), else None."""
    if event.get("event") != "bot":
        return None
    metadata = event.get("metadata")
    return metadata.get("utter_action") if isinstance(metadata, dict) else None


def already_reassured(tracker: Tracker) -> bool:
    """True when this conversation has already told the customer, new to online services, that the
    assistant will take it slowly and explain each step: once is kind, every difficulty is not. A
    restart or a new session starts afresh."""
    familiarity, reassured = None, False
    for event in tracker.events:
        kind = event.get("event")
        if kind == "slot" and event.get("name") == "familiarity":
            familiarity = event.get("value")
        elif kind == "restart":
            familiarity, reassured = None, False
        elif kind == "session_started":
            reassured = False  # familiarity is carried over (session_config), the reassurance is not
        elif (said := response_said(event)) in REASSURING_ALWAYS or (
                said in REASSURING_WHEN_NEW and familiarity == "new"):
            reassured = True
    return reassured
