"""Checks a catalogue against its own rules and the portal's site map; each issue has file:line."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from bot.catalogue.issues import Issue, Location
from bot.catalogue.models import (
    Catalogue,
    CompletionField,
    Service,
    Step,
    normalise_phrase,
    page_path,
)
from bot.catalogue.selectors import is_plausible_selector

IDENTITY_FIELDS = ("account_reference", "postcode")
"""What the service API's identity check (`POST /api/identity/check`) accepts."""

SYSTEM_CODES = ("SERVICE_UNAVAILABLE", "SERVICE_ERROR")


def validate(catalogue: Catalogue, site: Mapping[str, Any]) -> list[Issue]:
    """Everything that makes the catalogue wrong, in itself or against the site map (/api/site)."""
    issues: list[Issue] = []
    portal = PortalMap(site)
    for service in [*catalogue.services.values(), *catalogue.duplicates]:
        issues.extend(_check_file_name(service))
    for service in catalogue.duplicates:
        first = catalogue.services[service.id]
        issues.append(
            Issue.at(
                service.where("id"),
                f"service id '{service.id}' is already used by {first.where('id')}; each service "
                "needs its own id",
            )
        )
    for service in catalogue.services.values():
        issues.extend(_check_ids(service))
        issues.extend(_check_steps(service, portal))
        issues.extend(_check_problems(service, portal))
        issues.extend(_check_related(service, catalogue))
        issues.extend(_check_completion(service))
        issues.extend(_check_pages(service, portal))
    issues.extend(_check_shared_meaning(catalogue))
    issues.extend(catalogue.phrase_conflicts())
    return sorted(issues)


def drift(catalogue: Catalogue, site: Mapping[str, Any]) -> list[Issue]:
    """Warnings: what the portal shows that the catalogue does not describe yet (P1 freshness)."""
    portal = PortalMap(site)
    warnings: list[Issue] = []
    files = [s.where().file for s in catalogue.services.values()]
    folder = str(Path(files[0]).parent) if files else "data/services"
    for service_id in portal.services:
        if service_id not in catalogue.services:
            warnings.append(
                Issue(
                    str(Path(folder) / f"{service_id}.yml"),
                    0,
                    f"the portal has a service '{service_id}' that the catalogue does not describe",
                    True,
                )
            )
    for service in catalogue.services.values():
        if service.id not in portal.services:
            warnings.append(
                Issue.at(
                    service.where("id"),
                    f"the portal's site map has no service '{service.id}'",
                    True,
                )
            )
            continue
        warnings.extend(_drift_of(service, portal))
    return sorted(warnings)


class PortalMap:
    """The site map, read defensively: screens and codes, and per-step detail when it is given."""

    def __init__(self, site: Mapping[str, Any]) -> None:
        self.services: dict[str, Mapping[str, Any]] = dict(site.get("services") or {})
        self.error_codes: set[str] = set(site.get("error_codes") or [])
        self.screens: set[str] = {
            page_path(screen) for s in self.services.values() for screen in s.get("screens") or []
        }
        self.steps: dict[str, Mapping[str, Any]] = {}
        for info in self.services.values():
            for step in info.get("steps") or []:
                if isinstance(step, Mapping) and step.get("screen"):
                    self.steps.setdefault(page_path(step["screen"]), step)

    def step_at(self, screen: str) -> Mapping[str, Any] | None:
        return self.steps.get(page_path(screen))


def _check_file_name(service: Service) -> Iterator[Issue]:
    stem = Path(service.where().file).stem
    if service.where().line and stem != service.id:
        yield Issue.at(
            service.where("id"),
            f"id '{service.id}' does not match the file name '{stem}'; name the file "
            f"{service.id}.yml",
        )


def _check_ids(service: Service) -> Iterator[Issue]:
    seen: dict[str, Location] = {}
    for step in service.steps:
        if step.id in seen:
            yield Issue.at(
                step.where("id"),
                f"step id '{step.id}' is used twice (first at line {seen[step.id].line})",
            )
        seen.setdefault(step.id, step.where("id"))
    seen = {}
    for problem in service.problems_all():
        if problem.id in seen:
            yield Issue.at(
                problem.where("id"),
                f"problem id '{problem.id}' is used twice in this service (first at line "
                f"{seen[problem.id].line})",
            )
        seen.setdefault(problem.id, problem.where("id"))


def _check_steps(service: Service, portal: PortalMap) -> Iterator[Issue]:
    for step in service.steps:
        if not step.why.strip():
            yield Issue.at(
                step.where("why"),
                f"step '{step.id}' has no `why`: say why the step is needed, in words that "
                "convince a customer",
            )
        for variant in ("new", "familiar"):
            if not getattr(step.instruction, variant).strip():
                written = variant in step.instruction.__fields_set__
                yield Issue.at(
                    step.instruction.where(variant) if written else step.where("instruction"),
                    f"step '{step.id}' has no `instruction.{variant}` wording"
                    + (
                        " (new: full, plain steps for someone new to online services)"
                        if variant == "new"
                        else " (familiar: a short reminder)"
                    ),
                )
        if step.highlight is not None and not is_plausible_selector(step.highlight):
            yield Issue.at(
                step.where("highlight"),
                f"highlight '{step.highlight}' is not a CSS selector the page can use (like "
                '"#postcode")',
            )
        yield from _check_against_portal_step(service, step, portal)


def _check_against_portal_step(service: Service, step: Step, portal: PortalMap) -> Iterator[Issue]:
    detail = portal.step_at(step.screen)
    if detail is None:
        return
    if detail.get("id") and detail["id"] != step.id:
        yield Issue.at(
            step.where("id"),
            f"step id '{step.id}' differs from the portal's data-step '{detail['id']}' for "
            f"{step.screen}",
        )
    fields = detail.get("fields")
    if step.highlight and fields is not None and is_plausible_selector(step.highlight):
        ids = set(re.findall(r"#[\w-]+", step.highlight))
        if ids and not ids & set(fields):
            yield Issue.at(
                step.where("highlight"),
                f"highlight '{step.highlight}' is not a field of {step.screen} (it has "
                f"{', '.join(fields) or 'none'})",
            )
    codes = detail.get("error_codes")
    if codes is not None:
        for problem in step.problems:
            for i, code in enumerate(problem.error_codes):
                if code in portal.error_codes and code not in codes and code not in SYSTEM_CODES:
                    yield Issue.at(
                        problem.where("error_codes", i),
                        f"error code {code} is not shown on {step.screen}; move it to the step "
                        "that shows it",
                    )


def _check_problems(service: Service, portal: PortalMap) -> Iterator[Issue]:
    owner: dict[str, str] = {}
    for problem in service.problems_all():
        if not problem.phrases:
            yield Issue.at(
                problem.where("id"),
                f"problem '{problem.id}' has no phrases: add the words customers use for it",
            )
        for i, code in enumerate(problem.error_codes):
            if code not in portal.error_codes:
                yield Issue.at(
                    problem.where("error_codes", i),
                    f"error code {code} is never shown by the portal",
                )
            if owner.setdefault(code, problem.id) != problem.id:
                yield Issue.at(
                    problem.where("error_codes", i),
                    f"error code {code} is already given to problem '{owner[code]}'; a code can "
                    "mean one problem",
                )
    if not service.synonyms:
        yield Issue.at(
            service.where("name"), "no `synonyms`: add the ways customers name this service"
        )


def _check_related(service: Service, catalogue: Catalogue) -> Iterator[Issue]:
    seen: set[str] = set()
    for related in service.related:
        where = related.where("service")
        if related.service == service.id:
            yield Issue.at(where, f"related service '{related.service}' is this service itself")
        elif related.service not in catalogue.services:
            yield Issue.at(where, f"related service '{related.service}' is not in the catalogue")
        elif related.service in seen:
            yield Issue.at(where, f"related service '{related.service}' is listed twice")
        seen.add(related.service)


def _check_completion(service: Service) -> Iterator[Issue]:
    if service.can_complete_for_customer:
        if not service.identity_fields:
            yield Issue.at(
                service.where("can_complete_for_customer"),
                "can_complete_for_customer is true but no identity_fields say how to check who "
                "the customer is",
            )
        if service.completion is None:
            yield Issue.at(
                service.where("can_complete_for_customer"),
                "can_complete_for_customer is true but there is no `completion` (fields and "
                "pros_cons)",
            )
    elif service.completion is not None:
        yield Issue.at(
            service.where("completion"),
            "`completion` is only used when can_complete_for_customer is true",
        )
    for field in service.completion.fields if service.completion else []:
        yield from _check_choice_words(field)
    for i, name in enumerate(service.identity_fields):
        if name not in IDENTITY_FIELDS:
            yield Issue.at(
                service.where("identity_fields", i),
                f"identity field '{name}' is not one the identity check knows "
                f"({', '.join(IDENTITY_FIELDS)})",
            )


def _check_choice_words(field: CompletionField) -> Iterator[Issue]:
    """Each key of `choice_words` is one of the choices, and a word names one choice only."""
    owner: dict[str, str] = {choice.lower(): choice for choice in field.choices}
    for choice, words in field.choice_words.items():
        if choice not in field.choices:
            yield Issue.at(
                field.where("choice_words", choice),
                f"'{choice}' in choice_words is not one of the choices ({', '.join(field.choices) or 'none'})",
            )
            continue
        for word in words:
            said = normalise_phrase(word)
            if owner.setdefault(said, choice) != choice:
                yield Issue.at(
                    field.where("choice_words", choice),
                    f"'{word}' names two choices ('{owner[said]}' and '{choice}'): keep it for one",
                )


def _check_pages(service: Service, portal: PortalMap) -> Iterator[Issue]:
    for step in service.steps:
        if page_path(step.screen) not in portal.screens:
            yield Issue.at(
                step.where("screen"), f"screen {step.screen} is not served by the portal"
            )
    for key in ("start_url", "done_url"):
        url = getattr(service, key)
        if page_path(url) not in portal.screens:
            yield Issue.at(service.where(key), f"{key} {url} is not served by the portal")


def _check_shared_meaning(catalogue: Catalogue) -> Iterator[Issue]:
    """One problem id, one meaning: the same system_fault everywhere; one problem per error code."""
    fault: dict[str, tuple] = {}
    code_owner: dict[str, tuple] = {}
    for service in catalogue.services.values():
        for problem in service.problems_all():
            first = fault.setdefault(problem.id, (problem.system_fault, problem.where("id")))
            if first[0] != problem.system_fault:
                yield Issue.at(
                    problem.where("system_fault"),
                    f"problem '{problem.id}' has system_fault: "
                    f"{str(problem.system_fault).lower()} here but "
                    f"{str(first[0]).lower()} at {first[1]}; a problem id means the same in every "
                    "service",
                )
            for i, code in enumerate(problem.error_codes):
                owner = code_owner.setdefault(code, (problem.id, problem.where("error_codes", i)))
                if owner[0] != problem.id:
                    yield Issue.at(
                        problem.where("error_codes", i),
                        f"error code {code} means problem '{problem.id}' here but '{owner[0]}' at "
                        f"{owner[1]}",
                    )


def _drift_of(service: Service, portal: PortalMap) -> Iterator[Issue]:
    info = portal.services[service.id]
    for screen in info.get("screens") or []:
        if not service.owns_page(screen):
            yield Issue.at(
                service.where("steps"),
                f"the portal's screen {screen} is not a step of this service",
                True,
            )
    handled = {code for p in service.problems_all() for code in p.error_codes}
    for code in info.get("error_codes") or []:
        if code not in handled:
            yield Issue.at(
                service.where("problems"),
                f"the portal can show {code} but no problem lists it",
                True,
            )
    for step in service.steps:
        detail = portal.step_at(step.screen)
        if detail is None:
            continue
        title = detail.get("title")
        if title and title != step.title:
            yield Issue.at(
                step.where("title"), f"the portal's heading for {step.screen} is '{title}'", True
            )
