"""The service catalogue as typed objects, with the look-ups the assistant needs."""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

from pydantic import BaseModel, Field, PrivateAttr, StrictBool, constr, validator

from bot.catalogue.issues import UNKNOWN, CatalogueError, Issue, Location

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
ERROR_CODE_PATTERN = r"^[A-Z][A-Z0-9_]*$"
PATH_PATTERN = r"^/\S*$"

Id = constr(strip_whitespace=True, regex=ID_PATTERN)
ErrorCode = constr(strip_whitespace=True, regex=ERROR_CODE_PATTERN)
PagePath = constr(strip_whitespace=True, regex=PATH_PATTERN)
Text = constr(strip_whitespace=True, min_length=1)

SERVICE = "service"
PROBLEM = "problem"


def page_path(page: str) -> str:
    """The path of a page address: no scheme, host, query, fragment or trailing slash."""
    path = urlsplit(page.strip()).path or "/"
    return path.rstrip("/") or "/"


def normalise_phrase(phrase: str) -> str:
    """How phrases are compared and given to the entity ruler: lower case, single spaces."""
    return " ".join(phrase.lower().split())


class Node(BaseModel):
    """A catalogue object that remembers where it was written (file and line)."""

    _where: Location = PrivateAttr(default=UNKNOWN)
    _lines: dict[tuple, int] = PrivateAttr(default_factory=dict)

    class Config:
        extra = "forbid"
        anystr_strip_whitespace = True
        allow_population_by_field_name = True

    def where(self, *path) -> Location:
        """Where this object, or one of its keys (`where("why")`, `where("phrases", 2)`), is."""
        for length in range(len(path), 0, -1):
            line = self._lines.get(tuple(path[:length]))
            if line:
                return Location(self._where.file, line)
        return self._where

    def set_source(self, where: Location, lines: dict[tuple, int]) -> None:
        """Record where the object was read from (the loader calls this)."""
        self._where = where
        self._lines = dict(lines)


class Instruction(Node):
    """What to do on a screen, in two versions."""

    new: str = ""
    familiar: str = ""

    def for_familiarity(self, familiarity: str | None) -> str:
        """Short wording for familiar customers; the fuller wording otherwise."""
        return self.familiar if familiarity == "familiar" and self.familiar else self.new


class Problem(Node):
    """Something that goes wrong, how customers say it, the codes the site shows, and the help."""

    id: Id
    phrases: list[Text] = []
    error_codes: list[ErrorCode] = []
    help: Text
    system_fault: StrictBool = False


class Step(Node):
    """One screen of a service."""

    id: Id
    screen: PagePath
    title: Text
    instruction: Instruction = Field(default_factory=Instruction)
    why: str = ""
    highlight: str | None = None
    problems: list[Problem] = []

    def problem(self, problem_id: str) -> Problem | None:
        return next((p for p in self.problems if p.id == problem_id), None)


class Related(Node):
    """Another service worth offering once this one is done."""

    service: Id
    benefit: Text


class NotCovered(Node):
    """Something customers ask this service for that it does not do, and where to go instead:
    "I've moved house" to the contact details service, which changes email and phone only."""

    # the customer's words that ask for it, matched as whole words in what they typed ("moved house")
    phrases: list[Text] = Field(..., min_items=1)
    # said before the agreement: what the service does not do, and where to go for it
    say: Text


class CompletionField(Node):
    """One thing the assistant asks for to complete the service for the customer."""

    name: Id
    prompt: Text
    required: StrictBool = True
    choices: list[Text] = []
    # other words customers use for a choice, e.g. a bin's colour: {garden: [green, brown]}
    choice_words: dict[Id, list[Text]] = {}


class ProsCons(Node):
    """Honest reasons for each way of getting it done."""

    self_service: Text = Field(..., alias="self")
    assisted: Text


class Completion(Node):
    """What doing it for the customer needs."""

    fields: list[CompletionField] = []
    pros_cons: ProsCons
    # what it costs and how it is paid, read back before the customer says yes ("£60 a year, paid
    # with the card saved on your account"); none for a service that costs nothing
    charge: Text | None = None
    # what doing it will do, when the fields do not say ("a reset code is sent to the email address
    # on your account"), read back before the customer says yes
    what_happens: Text | None = None


class Service(Node):
    """One online service: how customers name it, its screens, problems and related services."""

    id: Id
    name: Text
    summary: Text
    # what to have ready before starting, one thing each (said when a customer asks "what do i need?")
    you_need: list[Text] = []
    # what it costs, in a sentence (said when a customer asks "how much is it?"), "It's free." when it is
    cost: Text | None = None
    # what customers ask this service for that it does not do, and where to go instead
    does_not_cover: list[NotCovered] = []
    synonyms: list[Text] = []
    start_url: PagePath
    done_url: PagePath
    status_key: Text | None = None
    can_complete_for_customer: StrictBool = False
    identity_fields: list[Id] = []
    completion: Completion | None = None
    related: list[Related] = []
    steps: list[Step] = Field(..., min_items=1)
    problems: list[Problem] = []

    @validator("status_key", always=True)
    def _status_key_defaults_to_id(cls, value, values):
        return value or values.get("id")

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)

    def step_index(self, step_id: str) -> int | None:
        return next((i for i, s in enumerate(self.steps) if s.id == step_id), None)

    def step_for_page(self, page: str) -> Step | None:
        """The step shown at a page address (query, fragment and trailing slash ignored)."""
        path = page_path(page)
        return next((s for s in self.steps if page_path(s.screen) == path), None)

    def is_done_page(self, page: str) -> bool:
        return page_path(page) == page_path(self.done_url)

    def owns_page(self, page: str) -> bool:
        path = page_path(page)
        return self.step_for_page(path) is not None or path in (
            page_path(self.start_url),
            page_path(self.done_url),
        )

    def problems_all(self) -> list[Problem]:
        """Every problem: each step's, in step order, then the service-wide ones."""
        return [p for s in self.steps for p in s.problems] + list(self.problems)

    def problem(self, problem_id: str) -> Problem | None:
        return next((p for p in self.problems_all() if p.id == problem_id), None)

    def step_for_problem(self, problem_id: str) -> Step | None:
        """The step a problem belongs to (None for service-wide problems)."""
        return next((s for s in self.steps if s.problem(problem_id)), None)

    def problem_for_error_code(self, code: str) -> Problem | None:
        code = code.strip().upper()
        return next((p for p in self.problems_all() if code in p.error_codes), None)


class PhraseClaim(NamedTuple):
    """One phrase that names a service or a problem, and where it is written."""

    phrase: str
    label: str
    id: str
    where: Location


class Catalogue(BaseModel):
    """Every service, by id."""

    services: dict[str, Service] = {}
    duplicates: list[Service] = Field(
        default_factory=list,
        description="services left out as an earlier file used their id; validate() reports them",
    )

    def get(self, service_id: str) -> Service | None:
        return self.services.get(service_id)

    def service_for_page(self, page: str) -> Service | None:
        """The service a page belongs to.

        A screen shared by several services (`/sign-in`) goes to the one its `next=` address
        belongs to, then to the one that starts there, then to the first.
        """
        candidates = [s for s in self.services.values() if s.owns_page(page)]
        if len(candidates) > 1:
            for target in parse_qs(urlsplit(page.strip()).query).get("next", []):
                for service in candidates:
                    if service.owns_page(target):
                        return service
            path = page_path(page)
            for service in candidates:
                if page_path(service.start_url) == path:
                    return service
        return candidates[0] if candidates else None

    def problem_for_error_code(self, code: str, service_id: str | None = None) -> Problem | None:
        """The problem a page's `data-error-code` means, within one service when it is known."""
        service = self.services.get(service_id) if service_id else None
        if service is not None:
            return service.problem_for_error_code(code)
        for candidate in self.services.values():
            problem = candidate.problem_for_error_code(code)
            if problem is not None:
                return problem
        return None

    def services_with_problem(self, problem_id: str) -> list[Service]:
        return [s for s in self.services.values() if s.problem(problem_id) is not None]

    def phrase_claims(self) -> list[PhraseClaim]:
        """Every service name, synonym and problem phrase, normalised, in catalogue order."""
        claims: list[PhraseClaim] = []
        for service in self.services.values():
            claims.append(
                PhraseClaim(
                    normalise_phrase(service.name), SERVICE, service.id, service.where("name")
                )
            )
            for i, synonym in enumerate(service.synonyms):
                claims.append(
                    PhraseClaim(
                        normalise_phrase(synonym), SERVICE, service.id, service.where("synonyms", i)
                    )
                )
        for service in self.services.values():
            for problem in service.problems_all():
                for i, phrase in enumerate(problem.phrases):
                    claims.append(
                        PhraseClaim(
                            normalise_phrase(phrase),
                            PROBLEM,
                            problem.id,
                            problem.where("phrases", i),
                        )
                    )
        return claims

    def phrase_conflicts(self) -> list[Issue]:
        """A phrase can mean one thing only: each later claim by a different id is an issue."""
        first: dict[str, PhraseClaim] = {}
        issues: list[Issue] = []
        for claim in self.phrase_claims():
            owner = first.setdefault(claim.phrase, claim)
            if (owner.label, owner.id) != (claim.label, claim.id):
                issues.append(
                    Issue.at(
                        claim.where,
                        f'phrase "{claim.phrase}" names {claim.label} {claim.id} here but '
                        f"{owner.label} {owner.id} at {owner.where}; a phrase can mean only one "
                        "thing",
                    )
                )
        return issues

    def entity_patterns(self) -> list[dict[str, str]]:
        """spaCy EntityRuler patterns: `{"label": "service"|"problem", "pattern", "id"}`.

        Lower-cased and deduplicated. A phrase with an apostrophe also comes as customers
        type it on phones and in a hurry: with a curly apostrophe, and with none
        ("wasn't", "wasn’t", "wasnt"). CatalogueError if a phrase names two things.
        """
        conflicts = self.phrase_conflicts()
        if conflicts:
            raise CatalogueError(conflicts)
        claims = self.phrase_claims()
        variants = [
            claim._replace(phrase=variant)
            for claim in claims
            if "'" in claim.phrase
            for variant in (claim.phrase.replace("'", "\u2019"), claim.phrase.replace("'", ""))
        ]
        patterns: list[dict[str, str]] = []
        seen = set()
        for claim in claims + variants:
            if claim.phrase and claim.phrase not in seen:
                seen.add(claim.phrase)
                patterns.append({"label": claim.label, "pattern": claim.phrase, "id": claim.id})
        return patterns
