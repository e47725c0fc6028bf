"""`make check-content`: one readable report on everything content editors change.

1. the service catalogue (data/services): its own rules and the portal's site map, drift as problems;
2. Rasa's training data: `rasa data validate --fail-on-warnings`;
3. reachability: every catalogue service and problem is named by an NLU example of an intent that
   some story or rule handles (otherwise the assistant can never get there);
4. phrases as customers word them: no two services or problems have phrases that read the same
   once little words and word forms are set aside (each is then found only as written);
5. freshness against the running portal: every step screen (and start and done page) is served,
   and every error code the catalogue lists is still one the portal shows (its `/api/site`).

Each problem is `file:line: what to fix`. Exit 0 when there is none, 1 when there are problems,
2 when a part could not be checked at all (that is a problem too).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml

from bot.catalogue import CatalogueError, Issue, drift, load_catalogue, validate
from bot.catalogue.models import Catalogue, PhraseClaim, normalise_phrase
from bot.catalogue.site import SiteError, fetch_site, local_site
from bot.config import PROJECT_ROOT, SETTINGS

OK, PROBLEMS, CANNOT_CHECK = 0, 1, 2
DATA_DIRS = ("data/nlu", "data/rules", "data/stories")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_ANNOTATED = re.compile(r"\[(?P<text>[^\]]+)\](?:\{(?P<dict>[^}]*)\}|\((?P<entity>[^)]+)\))")
_QUOTED = re.compile(r"'([A-Za-z0-9_/ .-]{2,200})'")


@dataclass
class Section:
    title: str
    problems: list[Issue] = field(default_factory=list)
    note: str = ""
    unchecked: bool = False


# -- 1. the catalogue --------------------------------------------------------------------------


def check_catalogue(directory: Path, site: dict[str, Any]) -> tuple[Catalogue | None, Section]:
    section = Section("Service catalogue")
    try:
        catalogue = load_catalogue(directory)
    except CatalogueError as exc:
        section.problems = list(exc.issues)
        section.note = "the catalogue could not be loaded, so nothing else about it was checked"
        return None, section
    section.problems = validate(catalogue, site) + [
        Issue(w.file, w.line, w.message) for w in drift(catalogue, site)]
    steps = sum(len(s.steps) for s in catalogue.services.values())
    section.note = f"{len(catalogue.services)} services, {steps} steps"
    return catalogue, section


# -- 2. Rasa's own validation -------------------------------------------------------------------


def check_rasa_data(project: Path, data_dirs: Iterable[str] = DATA_DIRS) -> Section:
    section = Section("Rasa training data (rasa data validate --fail-on-warnings)")
    domain = "domain" if (project / "domain").is_dir() else "domain.yml"
    rasa = Path(sys.executable).with_name("rasa")
    command = [str(rasa), "data", "validate", "--domain", domain, "--data", *data_dirs,
               "--config", "config.yml", "--fail-on-warnings"]
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))}
    try:
        done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True,
                              timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        section.unchecked = True
        section.problems = [Issue(domain, 0, f"rasa data validate could not run: {exc}")]
        return section
    messages = rasa_messages(done.stdout + "\n" + done.stderr)
    files = [project / domain, *(project / d for d in data_dirs)]
    section.problems = [locate(message, files, project) for message in messages]
    if done.returncode != 0 and not section.problems:
        tail = " ".join(_ANSI.sub("", done.stderr).split()[-40:])
        section.problems = [Issue(domain, 0, f"rasa data validate failed: {tail}")]
    return section


def rasa_messages(output: str) -> list[str]:
    """The warnings and errors in Rasa's output, one message each, without colours and noise."""
    text = _ANSI.sub("", output)
    found: list[str] = []
    for match in re.finditer(r"UserWarning: (.*?)(?=\n\s*More info|\n\S+\s+\S+ (?:INFO|WARNING|ERROR)|\n/|\Z)",
                             text, re.DOTALL):
        found.append(" ".join(match.group(1).split()))
    for match in re.finditer(r"^\S+ \S+ ERROR\s+\S+\s+-\s+(.*)$", text, re.MULTILINE):
        found.append(" ".join(match.group(1).split()))
    for match in re.finditer(r"^(?:YamlValidationException|YamlSyntaxException|InvalidDomain|"
                             r"rasa\.shared\.exceptions\.\w+): (.*)$", text, re.MULTILINE):
        found.append(" ".join(match.group(1).split()))
    unique: list[str] = []
    for message in found:
        if message and message not in unique:
            unique.append(message)
    return unique


def locate(message: str, files: list[Path], project: Path) -> Issue:
    """The message at the file it names (and the first line with the name it quotes), if any."""
    named = re.search(r"in '([^']+\.ya?ml)'", message)
    candidates = [project / named.group(1)] if named else []
    quoted = [q for q in _QUOTED.findall(message) if not q.endswith((".yml", ".yaml"))]
    for path in candidates + [f for base in files for f in _yaml_files(base)]:
        if not path.is_file():
            continue
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        for name in quoted:
            for number, line in enumerate(lines, start=1):
                if re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", line):
                    return Issue(_relative(path, project), number, message)
        if path in candidates:
            return Issue(_relative(path, project), 0, message)
    return Issue("data", 0, message)


def _yaml_files(base: Path) -> list[Path]:
    if base.is_file():
        return [base]
    return sorted(p for p in base.rglob("*") if p.suffix in (".yml", ".yaml")) if base.is_dir() else []


def _relative(path: Path, project: Path) -> str:
    try:
        return str((project / path).resolve().relative_to(project.resolve()))
    except ValueError:
        return str(path)


# -- 3. reachable by a story or rule --------------------------------------------------------------


def handled_intents(project: Path, data_dirs: Iterable[str] = DATA_DIRS) -> set[str]:
    """Intents some story or rule starts from or reacts to (a user step, `or:` included)."""
    intents: set[str] = set()
    for base in data_dirs:
        for path in _yaml_files(project / base):
            content = _load_yaml(path)
            for key in ("stories", "rules"):
                for block in content.get(key) or []:
                    for step in (block or {}).get("steps") or []:
                        intents.update(_step_intents(step))
    return intents


def _step_intents(step: Any) -> list[str]:
    if not isinstance(step, dict):
        return []
    if "intent" in step:
        return [str(step["intent"])]
    if "or" in step:
        return [name for part in step["or"] or [] for name in _step_intents(part)]
    return []


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, OSError, UnicodeDecodeError):
        return {}  # Rasa's own validation reports a file it cannot read, with the line
    return content if isinstance(content, dict) else {}


def nlu_examples(project: Path, data_dirs: Iterable[str] = DATA_DIRS) -> list[tuple[str, str]]:
    """Every (intent, example text) in the NLU data."""
    found = []
    for base in data_dirs:
        for path in _yaml_files(project / base):
            for item in _load_yaml(path).get("nlu") or []:
                if isinstance(item, dict) and item.get("intent") and isinstance(item.get("examples"), str):
                    for line in item["examples"].splitlines():
                        line = line.strip()
                        if line.startswith("- "):
                            found.append((str(item["intent"]), line[2:]))
    return found


def names_in(example: str, label: str) -> set[str]:
    """Catalogue ids an annotated example gives for `label` (service or problem)."""
    ids = set()
    for match in _ANNOTATED.finditer(example):
        if match.group("dict"):
            entity = re.search(r'"entity"\s*:\s*"([^"]+)"', match.group("dict"))
            value = re.search(r'"value"\s*:\s*"([^"]+)"', match.group("dict"))
            if entity and entity.group(1) == label and value:
                ids.add(value.group(1))
        elif match.group("entity"):
            name, _, value = match.group("entity").partition(":")
            if name == label and value:
                ids.add(value)
    return ids


def plain(example: str) -> str:
    return normalise_phrase(_ANNOTATED.sub(lambda m: m.group("text"), example))


def check_reachable(catalogue: Catalogue, project: Path, data_dirs: Iterable[str] = DATA_DIRS) -> Section:
    section = Section("Reachable by a story or rule")
    handled = handled_intents(project, data_dirs)
    examples = [(intent, text) for intent, text in nlu_examples(project, data_dirs) if intent in handled]
    named: dict[str, set[str]] = {"service": set(), "problem": set()}
    carriers: dict[str, set[str]] = {"service": set(), "problem": set()}  # intents that carry the entity
    for intent, text in examples:
        for label in named:
            ids = names_in(text, label)
            named[label] |= ids
            if ids or re.search(rf'"entity"\s*:\s*"{label}"|\]\({label}[:)]', text):
                carriers[label].add(intent)
    texts = {label: [f" {plain(text)} " for intent, text in examples if intent in carriers[label]]
             for label in named}

    def phrased(label: str, phrases: Iterable[str]) -> bool:
        """A phrase in an example of an intent that carries the entity: the entity ruler tags it."""
        wanted = [f" {normalise_phrase(p)} " for p in phrases if p.strip()]
        return any(w in t for w in wanted for t in texts[label])

    handling = ", ".join(sorted(handled & {"state_goal", "report_problem"})) or "state_goal, report_problem"
    seen_problems: set[str] = set()
    for service in catalogue.services.values():
        if service.id not in named["service"] and not phrased("service", [service.name, *service.synonyms]):
            section.problems.append(Issue.at(
                service.where("id"),
                f"service '{service.id}' is not reachable: no NLU example of an intent a story or rule handles "
                f"({handling}) names it; add examples to data/nlu/ (CONTENT.md, \"Add a service\")"))
        for problem in service.problems_all():
            if problem.id in seen_problems:
                continue
            seen_problems.add(problem.id)
            if problem.id not in named["problem"] and not phrased("problem", problem.phrases):
                section.problems.append(Issue.at(
                    problem.where("id"),
                    f"problem '{problem.id}' is not reachable: no NLU example of an intent a story or rule "
                    f"handles names it or uses one of its phrases; add a report_problem example to data/nlu/"))
    section.note = f"{len(handled)} intents handled by stories and rules, {len(examples)} of their examples"
    return section


# -- 4. phrases as customers word them ------------------------------------------------------------


def check_loose_phrases(catalogue: Catalogue, project: Path) -> Section:
    """Phrases of two different things that read the same once little words and word forms are set
    aside: the assistant finds a phrase as customers vary it (bot/nlp/catalogue_entities.LoosePhrases)
    only when no other service or problem reads the same, so each of these is found only as written."""
    from bot.nlp.catalogue_entities import LoosePhrases
    from bot.nlp.pipeline import build_nlp

    section = Section("Catalogue phrases as customers word them")
    try:
        loose = LoosePhrases(build_nlp(catalogue), [])
    except CatalogueError:  # two things share a phrase: the catalogue's section says where
        section.note = "not checked until the catalogue's phrases are fixed"
        return section
    first: dict[tuple[str, ...], PhraseClaim] = {}
    for claim in catalogue.phrase_claims():
        keys = loose.phrase_keys(claim.phrase)
        if not keys:
            continue
        owner = first.setdefault(keys, claim)
        if (owner.label, owner.id) != (claim.label, claim.id):
            where = f"{_relative(Path(owner.where.file), project)}:{owner.where.line}"
            section.problems.append(Issue.at(
                claim.where,
                f'phrase "{claim.phrase}" ({claim.label} {claim.id}) reads the same as "{owner.phrase}" '
                f"({owner.label} {owner.id}, {where}) once little words and word forms are set aside "
                f"(\"{' '.join(keys)}\"), so the assistant finds either only as written, not as customers word "
                "it; reword one of them (CONTENT.md, \"The service catalogue\")"))
    section.note = f"{len(first)} phrases found as customers word them"
    return section


# -- 5. freshness against the running portal -------------------------------------------------------


def check_fresh(catalogue: Catalogue, site: dict[str, Any], portal: str | None, timeout: float) -> Section:
    section = Section(f"Freshness against {portal or 'the demo portal (in-process)'}")
    shown = set(site.get("error_codes") or [])
    for service in catalogue.services.values():
        for problem in service.problems_all():
            for i, code in enumerate(problem.error_codes):
                if code not in shown:
                    section.problems.append(Issue.at(problem.where("error_codes", i),
                                                     f"error code {code} is no longer shown by the portal"))
    if portal is None:
        section.note = "no running portal: screens checked against its site map only"
        return section
    session = requests.Session()
    pages: list[tuple[Any, str]] = []
    for service in catalogue.services.values():
        pages += [(service.where("start_url"), service.start_url), (service.where("done_url"), service.done_url)]
        pages += [(step.where("screen"), step.screen) for step in service.steps]
    checked: dict[str, int | str] = {}
    for where, page in pages:
        if page not in checked:
            try:
                response = session.get(portal.rstrip("/") + page, timeout=timeout, allow_redirects=False)
                checked[page] = response.status_code
            except requests.RequestException as exc:
                checked[page] = type(exc).__name__
        status = checked[page]
        if not isinstance(status, int) or status == 404 or status == 410 or status >= 500:
            section.problems.append(Issue.at(where, f"screen {page} is not served by the portal ({status})"))
    section.note = f"{len(checked)} pages requested"
    return section


# -- the report ---------------------------------------------------------------------------------


def check_other_organisations(project: Path) -> Section:
    """The other organisations' names (data/scope/other_organisations.yml) can be read and used."""
    from bot.nlp.scope import NamesFileError, read_names

    section = Section("Other organisations")
    path = project / "data" / "scope" / "other_organisations.yml"
    try:
        names = read_names(path)
    except NamesFileError as exc:
        section.problems = [Issue(_relative(path, project), exc.line, str(exc).removeprefix(f"{path}: "))]
        return section
    section.note = ", ".join(f"{len(listed)} {kind}" for kind, listed in names.items()) or "no file: none"
    return section


def report(sections: list[Section], project: Path, out=None) -> int:
    out = out or sys.stdout
    total = sum(len(s.problems) for s in sections)
    for section in sections:
        state = "OK" if not section.problems else f"{len(section.problems)} problem(s)"
        note = f" ({section.note})" if section.note else ""
        print(f"{section.title}: {state}{note}", file=out)
        for issue in sorted(section.problems):
            print(f"  {_relative(Path(issue.file), project)}:{issue.line}: {issue.message}", file=out)
    if total:
        print(f"\n{total} problem(s): fix each at its file and line, then run `make check-content` again.", file=out)
    else:
        print("\nEverything checked: the content is ready to retrain (`make train-fast`).", file=out)
    if any(s.unchecked for s in sections):
        return CANNOT_CHECK
    return PROBLEMS if total else OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.content.check", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", default=str(PROJECT_ROOT), help="the project folder (default: this one)")
    parser.add_argument("--catalogue", default="data/services", help="catalogue folder, in the project")
    parser.add_argument("--portal", metavar="URL",
                        help="the running portal to check against (it must answer). Without it: "
                             "WAYFINDER_PORTAL_URL (default http://127.0.0.1:8001) if it answers, else the "
                             "demo portal built in-process (its site map only)")
    parser.add_argument("--timeout", type=float, default=5, help="seconds to wait for each portal page")
    parser.add_argument("--skip-rasa", action="store_true", help="leave out `rasa data validate` (faster)")
    args = parser.parse_args(argv)
    project = Path(args.project)
    print(f"Content check of {project}\n")
    portal, fallback = args.portal, None
    try:
        if portal:
            site = fetch_site(portal, timeout=args.timeout)
        else:
            portal = os.environ.get("WAYFINDER_PORTAL_URL") or SETTINGS["WAYFINDER_PORTAL_URL"][0]
            try:
                site = fetch_site(portal, timeout=args.timeout)
            except SiteError:
                fallback, portal, site = f"nothing usable answers at {portal}", None, local_site()
    except SiteError as exc:
        print(f"Freshness: cannot check: {exc}. Start the portal (`make run`) or give another --portal.")
        return CANNOT_CHECK
    if fallback:
        print(f"(no running portal: {fallback}; checked against the demo portal built in-process)\n")
    catalogue, first = check_catalogue(project / args.catalogue, site)
    sections = [first, check_other_organisations(project)]
    if not args.skip_rasa:
        sections.append(check_rasa_data(project))
    if catalogue is not None:
        sections.append(check_reachable(catalogue, project))
        sections.append(check_loose_phrases(catalogue, project))
        fresh = check_fresh(catalogue, site, portal, args.timeout)
        sections.append(fresh)
        # a page or code the portal lost is said once, under freshness, not again under the catalogue
        seen = {(i.file, i.line) for i in fresh.problems}
        first.problems = [i for i in first.problems if (i.file, i.line) not in seen or "portal" not in i.message]
    return report(sections, project)


if __name__ == "__main__":
    sys.exit(main())
