"""`action_step_through`: one step at a time while the customer operates the site (P8, P9, P10, K5)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import CatalogueAction
from actions.conversation import (
    PAGE_CHANGED,
    latest_intent,
    page_context,
    problem_on_page,
    step_on_page,
    stuck_count_at_step,
)
from actions.parsing import asks_what_to_do
from actions.status import check_status, say_status
from bot.catalogue import Service
from bot.catalogue.models import Problem, Step, page_path

# `outcome`: what the last progress action came to, so the dialogue knows what comes next.
WAITING = "waiting"  # said something; the customer's turn
FINISHED = "finished"  # the service is done: congratulate, then promote
FAILED = "failed"  # our system failed: say so and offer an adviser
ADVISER_OFFERED = "adviser_offered"  # asked "would you like an adviser?"

STUCK_BEFORE_ADVISER = 3  # the third "stuck" at one step offers an adviser


def outcome(value: str) -> dict[str, Any]:
    return SlotSet("outcome", value)


class StepGuide:
    """Says a step: what to do, why (unasked for new customers), where, and which field to look at."""

    def __init__(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        self.dispatcher = dispatcher
        self.familiarity = tracker.get_slot("familiarity")
        self.page, self.error_code = page_context(tracker)

    def give(self, service: Service, step: Step, lead: str | None = None) -> list[dict[str, Any]]:
        if lead:
            self.dispatcher.utter_message(response=lead, step_title=step.title, service_name=service.name)
        on_page = self.page is not None and page_path(self.page) == page_path(step.screen)
        self.dispatcher.utter_message(
            response="utter_step" if on_page else "utter_step_with_link",
            json_message={"highlight": step.highlight} if step.highlight else None,
            step_number=(service.step_index(step.id) or 0) + 1,
            step_count=len(service.steps),
            step_title=step.title,
            step_instruction=step.instruction.for_familiarity(self.familiarity),
            step_why=step.why,
            step_url=step.screen,
        )
        return [SlotSet("current_step", step.id), outcome(WAITING)]

    def problem_help(self, service: Service, step: Step | None, problem: Problem,
                     response: str = "utter_problem_on_page") -> list[dict[str, Any]]:
        """What to do about an error the page shows, or the customer told of (`response`
        utter_problem_told), never blaming the customer."""
        if problem.system_fault:
            self.dispatcher.utter_message(response="utter_system_fault_on_page", service_name=service.name, help=problem.help)
            details = f"{service.name}: the page {self.page or ''} showed {self.error_code or problem.id}, a fault on our side"
            return [SlotSet("problem", problem.id), SlotSet("system_failure", True), SlotSet("failure_details", details),
                    outcome(FAILED)]
        highlight = step.highlight if step else None
        self.dispatcher.utter_message(
            response=response,
            json_message={"highlight": highlight} if highlight else None,
            step_title=step.title if step else service.name,
            help=problem.help,
        )
        events = [SlotSet("problem", problem.id), outcome(WAITING)]
        return events + ([SlotSet("current_step", step.id)] if step else [])

    def finish(self, service: Service) -> list[dict[str, Any]]:
        self.dispatcher.utter_message(response="utter_journey_done", service_name=service.name)
        return [SlotSet("current_step", None), SlotSet("problem", None), SlotSet("system_failure", False), outcome(FINISHED)]


class ActionStepThrough(CatalogueAction, Action):
    """Gives one step at a time, follows the customer's pages, brings them back, helps when stuck."""

    def name(self) -> str:
        return "action_step_through"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = latest_intent(tracker)
        guide = StepGuide(dispatcher, tracker)
        service = self.catalogue.get(tracker.get_slot("service") or "") or (
            self.catalogue.service_for_page(guide.page) if guide.page else None
        )
        mode = tracker.get_slot("support_mode")
        if intent == PAGE_CHANGED:
            return self.on_page(guide, service, mode, tracker)
        if service is None:
            if intent == "request_step_through":
                dispatcher.utter_message(response="utter_ask_service")
                return [SlotSet("support_mode", "step_through"), outcome(WAITING)]
            dispatcher.utter_message(response="utter_ask_service")
            return [outcome(WAITING)]
        events = [SlotSet("service", service.id)]
        if intent == "request_step_through" or (mode != "step_through" and intent == "stuck"):
            return events + await self.start(guide, service, tracker)
        if intent == "step_done" and mode == "step_through" and asks_what_to_do(tracker.latest_message.get("text") or ""):
            # "what do i do now?": the step they are on, again, not the next one
            return events + guide.give(service, self.where(guide, service, tracker), lead="utter_stuck_no_known_problems")
        if intent == "step_done":
            return events + self.on_done(guide, service, mode, tracker)
        if intent == "stuck":
            return events + self.on_stuck(guide, service, tracker)
        if mode != "step_through":
            dispatcher.utter_message(response="utter_what_next", service_name=service.name)
            return events + [outcome(WAITING)]
        return events + guide.give(service, self.where(guide, service, tracker))

    @staticmethod
    def where(guide: StepGuide, service: Service, tracker: Tracker) -> Step:
        """The customer's step: their page if it is one of this service's, else the last one given."""
        return (
            step_on_page(service, guide.page)
            or service.step(tracker.get_slot("current_step") or "")
            or service.steps[0]
        )

    async def start(self, guide: StepGuide, service: Service, tracker: Tracker) -> list[dict[str, Any]]:
        status = await check_status(self.api, service)
        told_already = bool(tracker.get_slot("system_failure"))
        down = status is not None and status.status == "down"
        # Degraded or unanswered, and already explained: they may still want to try, with us.
        if (status is None or not status.is_up) and (down or not told_already):
            say_status(guide.dispatcher, service, status, page_fault=False)
            return [SlotSet("system_failure", True), outcome(FAILED)]
        events = [SlotSet("support_mode", "step_through")]
        if guide.page and service.is_done_page(guide.page):
            return events + guide.finish(service)
        return events + guide.give(service, self.where(guide, service, tracker), lead="utter_step_through_start")

    def on_page(self, guide: StepGuide, service: Service | None, mode: str | None, tracker: Tracker) -> list[dict[str, Any]]:
        """A page_view: follow the customer; quiet when we are not stepping through or watching a retry."""
        if service is None or mode not in ("step_through", "retry_alone") or not guide.page:
            return [outcome(WAITING)]
        if service.is_done_page(guide.page):
            return guide.finish(service)
        problem = problem_on_page(self.catalogue, service, guide.error_code)
        if problem is not None:
            return guide.problem_help(service, step_on_page(service, guide.page), problem)
        if mode != "step_through":
            return [outcome(WAITING)]
        current = service.step(tracker.get_slot("current_step") or "")
        step = step_on_page(service, guide.page)
        if step is None:
            back_to = current or service.steps[0]
            guide.dispatcher.utter_message(
                response="utter_off_route",
                service_name=service.name,
                step_title=back_to.title,
                step_url=back_to.screen,
            )
            return [outcome(WAITING)]
        if current is None:
            return guide.give(service, step)
        if step.id == current.id:
            return [outcome(WAITING)]
        ahead = (service.step_index(step.id) or 0) > (service.step_index(current.id) or 0)
        return guide.give(service, step, lead="utter_step_progress" if ahead else "utter_step_back")

    def on_done(self, guide: StepGuide, service: Service, mode: str | None, tracker: Tracker) -> list[dict[str, Any]]:
        """"Done": move on (checking the page when the widget tells us it), or finish."""
        if mode == "retry_alone":
            return guide.finish(service)
        if mode != "step_through":
            guide.dispatcher.utter_message(response="utter_what_next", service_name=service.name)
            return [outcome(WAITING)]
        current = service.step(tracker.get_slot("current_step") or "") or service.steps[0]
        if guide.page and service.owns_page(guide.page):
            if service.is_done_page(guide.page):
                return guide.finish(service)
            on_page = step_on_page(service, guide.page)
            problem = problem_on_page(self.catalogue, service, guide.error_code)
            if problem is not None:
                return guide.problem_help(service, on_page, problem)
            if on_page is not None and on_page.id == current.id:
                return guide.give(service, current, lead="utter_still_on_step")
            if on_page is not None and (service.step_index(on_page.id) or 0) > (service.step_index(current.id) or 0):
                return guide.give(service, on_page, lead="utter_step_progress")
        index = (service.step_index(current.id) or 0) + 1
        if index >= len(service.steps):
            return guide.finish(service)
        return guide.give(service, service.steps[index], lead="utter_step_progress")

    def on_problem_told(self, guide: StepGuide, service: Service, tracker: Tracker,
                        problem: Problem | None) -> list[dict[str, Any]]:
        """A problem told of in words while stepped through (the service found working): the
        catalogue's help for it on its step, or, for one not known, the help for the step they are on."""
        if problem is None or problem.system_fault:
            return self.on_stuck(guide, service, tracker)
        step = service.step_for_problem(problem.id) or self.where(guide, service, tracker)
        return guide.problem_help(service, step, problem, response="utter_problem_told")

    def on_stuck(self, guide: StepGuide, service: Service, tracker: Tracker) -> list[dict[str, Any]]:
        """Stuck: the page's error if it shows one, else the step's known problems; the third time, an adviser."""
        step = self.where(guide, service, tracker)
        if stuck_count_at_step(tracker, step.id) >= STUCK_BEFORE_ADVISER:
            guide.dispatcher.utter_message(response="utter_stuck_offer_adviser", step_title=step.title)
            return [SlotSet("current_step", step.id), outcome(ADVISER_OFFERED)]
        problem = problem_on_page(self.catalogue, service, guide.error_code)
        if problem is not None:
            return guide.problem_help(service, step, problem)
        known = [p for p in step.problems if not p.system_fault]
        if not known:
            return guide.give(service, step, lead="utter_stuck_no_known_problems")
        guide.dispatcher.utter_message(
            response="utter_stuck_help",
            json_message={"highlight": step.highlight} if step.highlight else None,
            step_title=step.title,
            known_problems="\n".join(
                f"• “{p.phrases[0] if p.phrases else p.id.replace('_', ' ')}”: {p.help}" for p in known[:3]
            ),
        )
        return [SlotSet("current_step", step.id), outcome(WAITING)]
