"""`action_check_service_status`: listen for the goal and difficulty, then ask the service API before advising (P1-P3, P7, 6b)."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import CatalogueAction
from actions.conversation import (
    latest_intent,
    page_context,
    problem_on_page,
    service_from_problem,
    slot_before_latest_message,
    typed_error_code,
)
from actions.service_api import ServiceApi, ServiceApiError, ServiceStatus
from actions.why import OPTIONS, answer_about_service, recommend_a_way
from bot.catalogue import Catalogue, Service
from bot.catalogue.models import Problem

logger = logging.getLogger(__name__)


def named_now(tracker: Tracker, entity: str) -> str | None:
    """The catalogue id the customer named in their latest message, if any."""
    for item in (tracker.latest_message or {}).get("entities") or []:
        if item.get("entity") == entity and item.get("value"):
            return str(item["value"])
    return None


def listen(catalogue: Catalogue, tracker: Tracker) -> tuple[Service | None, str | None]:
    """The service and the problem, from the customer's words, their page and what they said before.

    The service named now wins, then the page they are on, then the one named earlier, then the
    only service the problem can belong to. A problem is kept only if that service has it.
    """
    page, page_code = page_context(tracker)
    named_service = named_now(tracker, "service")
    named_problem = named_now(tracker, "problem")
    page_service = catalogue.service_for_page(page) if page else None
    earlier = tracker.get_slot("service")

    service = (
        catalogue.get(named_service) if named_service else None
    ) or page_service or (catalogue.get(earlier) if earlier else None)
    if service is None:
        service = service_from_problem(catalogue, named_problem or tracker.get_slot("problem"))

    problem_id: str | None = None
    code = typed_error_code(tracker) or page_code
    candidates = [named_problem]
    if code:
        found = problem_on_page(catalogue, service, code)
        candidates.append(found.id if found else None)
    # A goal on its own is a fresh start, unless it answers "which service?" after a problem.
    goal_only = (
        latest_intent(tracker) == "state_goal"
        and not named_problem
        and not code
        and slot_before_latest_message(tracker, "service") is not None
    )
    if not goal_only:
        candidates.append(tracker.get_slot("problem"))
    for candidate in candidates:
        if candidate and (service is None or service.problem(candidate) is not None):
            problem_id = candidate
            break
    return service, problem_id


async def check_status(api: ServiceApi, service: Service) -> ServiceStatus | None:
    """The service's status, or None when the API itself failed (which is a system failure too)."""
    try:
        return await api.status(service.status_key)
    except ServiceApiError as exc:
        logger.warning("service API failed for %s: %s", service.id, exc)
        return None


def say_status(dispatcher: CollectingDispatcher, service: Service, status: ServiceStatus | None, page_fault: bool) -> bool:
    """Tell the customer what the check found; True when it is a system failure."""
    if status is None:
        dispatcher.utter_message(response="utter_service_unreachable", service_name=service.name)
        return True
    if status.status == "down":
        dispatcher.utter_message(response="utter_service_down", service_name=service.name)
        return True
    if status.status == "degraded" or page_fault:
        dispatcher.utter_message(response="utter_service_degraded", service_name=service.name)
        return True
    return False


def failure_details(service: Service, status: ServiceStatus | None, problem: Problem | None = None,
                    error_code: str | None = None) -> str:
    """What failed, in a line for the adviser's summary (the customer is told in plainer words)."""
    if status is None:
        return f"{service.name}: the service API failed or did not answer when the assistant checked it"
    if status.status in ("down", "degraded"):
        return f"{service.name}: the service API reports it {status.status}"
    if problem is not None:
        code = error_code or (problem.error_codes[0] if problem.error_codes else problem.id)
        return f"{service.name}: the page showed {code}, a fault on our side"
    return ""


def already_found_working(tracker: Tracker, service: Service) -> bool:
    """True when the customer tells of another difficulty with a service this conversation's last
    check found working: the check is made again, but "it's working normally" is no news the second
    time (a good adviser does not repeat it for every difficulty). A change is always said, and a
    goal stated again starts afresh."""
    return (latest_intent(tracker) != "state_goal"
            and slot_before_latest_message(tracker, "service") == service.id
            and slot_before_latest_message(tracker, "system_failure") is False)


class ActionCheckServiceStatus(CatalogueAction, Action):
    """Works out the goal and difficulty, checks the service; a system failure is named honestly, never blamed on them."""

    def name(self) -> str:
        return "action_check_service_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        service, problem_id = listen(self.catalogue, tracker)
        if service is None:
            dispatcher.utter_message(
                response="utter_ask_service_for_problem" if problem_id or tracker.get_slot("problem") else "utter_ask_service"
            )
            return [SlotSet("service", None), SlotSet("system_failure", None)]

        events: list[dict[str, Any]] = [SlotSet("service", service.id), SlotSet("problem", problem_id)]
        if service.id != slot_before_latest_message(tracker, "service") or latest_intent(tracker) == "state_goal":
            # a new goal starts afresh: no step reached, no way of working chosen yet
            events += [SlotSet("current_step", None), SlotSet("support_mode", None)]
        problem = service.problem(problem_id) if problem_id else None
        status = await check_status(self.api, service)
        failure = say_status(dispatcher, service, status, page_fault=bool(problem and problem.system_fault))
        if not failure:
            if not already_found_working(tracker, service):
                dispatcher.utter_message(response="utter_service_up", service_name=service.name)
            elif problem is not None and tracker.get_slot("familiarity") is None:
                # the familiarity question is asked again next: the difficulty is not left unanswered
                dispatcher.utter_message(response="utter_problem_noted")
            answer_about_service(dispatcher, tracker, service)  # "what do i need to apply for a parking permit?"
            if recommend_a_way(dispatcher, tracker, service):  # "i don't understand" to the ways forward
                return events + [SlotSet("system_failure", False), FollowupAction(OPTIONS)]
            return events + [SlotSet("system_failure", False)]
        page_problem = problem if problem and problem.system_fault else None
        details = failure_details(service, status, page_problem, page_context(tracker)[1])
        return events + [SlotSet("system_failure", True), SlotSet("failure_details", details)]
