"""Rasa component: a message that names one of the catalogue's services or problems is not out of scope.

`out_of_scope` means "something the catalogue does not cover". DIET learns it from examples
(weather, jokes, other organisations' business, council services we do not run), and a goal
worded like them ("i want to book the recycling centre for sunday") can rank out_of_scope
first - above all for a service a content team has just added, whose few examples compete with
hundreds of old out-of-scope ones. The catalogue knows better: once the catalogue's entity
ruler has found one of its services or problems in the message, the message is about
something we cover. This component then takes `out_of_scope` out of the intent ranking and
shares its probability out among the other intents in proportion (the ranking conditioned on
"not out of scope"), so FallbackClassifier, after it, judges the remaining intents on their
own merits. Messages without a catalogue entity are left exactly as DIET ranked them.

Except when DIET is sure (`keep_out_of_scope_above`, default 0.9): catalogue words also turn up in
what we do not cover - "i forgot my hotmail password", "is there a council tax exemption for
students" - and the out-of-scope examples teach those cases on purpose. A sure out_of_scope is
kept; a hesitant one (the new-service case, where out_of_scope wins narrowly) still gives way.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.config import PROJECT_ROOT
from bot.nlp.component import StatelessComponent

OUT_OF_SCOPE = "out_of_scope"
CATALOGUE_ENTITIES = ("service", "problem")


def in_scope_ranking(ranking: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ranking without out_of_scope, the others' confidences renormalised to the same total."""
    removed = sum(r.get(PREDICTED_CONFIDENCE_KEY) or 0.0 for r in ranking if r.get(INTENT_NAME_KEY) == OUT_OF_SCOPE)
    rest = [r for r in ranking if r.get(INTENT_NAME_KEY) != OUT_OF_SCOPE]
    remaining = sum(r.get(PREDICTED_CONFIDENCE_KEY) or 0.0 for r in rest)
    if not removed or not rest or remaining <= 0:
        return rest if rest else ranking
    scale = (remaining + removed) / remaining
    rescaled = [{**r, PREDICTED_CONFIDENCE_KEY: (r.get(PREDICTED_CONFIDENCE_KEY) or 0.0) * scale} for r in rest]
    return sorted(rescaled, key=lambda r: r[PREDICTED_CONFIDENCE_KEY], reverse=True)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class CatalogueScope(StatelessComponent):
    """Out of scope is ruled out when the catalogue recognises a service or problem in the message.

    Put it after CatalogueEntityExtractor (whose `service` / `problem` values are catalogue ids)
    and before FallbackClassifier.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"keep_out_of_scope_above": 0.9}

    def process(self, messages: list[Message]) -> list[Message]:
        sure = float(self._config["keep_out_of_scope_above"])
        for message in messages:
            intent = message.get(INTENT) or {}
            ranking = message.get(INTENT_RANKING_KEY) or []
            names_catalogue = any(e.get("entity") in CATALOGUE_ENTITIES for e in message.get(ENTITIES) or [])
            if not names_catalogue or not any(r.get(INTENT_NAME_KEY) == OUT_OF_SCOPE for r in ranking):
                continue
            if intent.get(INTENT_NAME_KEY) == OUT_OF_SCOPE and (intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0) >= sure:
                continue
            ranking = in_scope_ranking(ranking)
            intent = {**intent, INTENT_NAME_KEY: ranking[0][INTENT_NAME_KEY],
                      PREDICTED_CONFIDENCE_KEY: ranking[0][PREDICTED_CONFIDENCE_KEY]}
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages


# Intents that say the message is about one of our services: another organisation's name in the
# message means it is about theirs (greetings, thanks, yes / no and the rest are left alone).
ABOUT_A_SERVICE = ("state_goal", "report_problem", "stuck", "request_step_through", "request_do_it_for_me",
                   "ask_why", "inform")
_EMAIL_ADDRESS = re.compile(r"\S+@\S+")
ORGANISATION = "organisation"  # the entity: another organisation named, as the customer typed it
# What makes "<name> ..." their account: "my amazon account", "paypal's app", "government gateway login".
# Not "card": "my barclays card was declined" is a customer paying us.
_THEIR_ACCOUNT = (r"(?:'s|s)?\s+(?:online\s+)?(?:account|acc|login|log[- ]?in|sign[- ]?in|password|app|mail|email|"
                  r"e-mail|inbox|id|profile|order|parcel|delivery|subscription)\b")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class OtherOrganisations(GraphComponent):
    """A message about another organisation's account or service is out of scope.

    "my paypal account has been locked", "i need to change the email on my amazon account": DIET
    learns the words (locked, change my email) from our own services and is sure they are ours, so
    the customer was coached through the council's sign-in. The names are content, kept by content
    teams in `names_file` (data/scope/other_organisations.yml, read when the model is trained and
    kept in it; a change to the file retrains this component alone):
      other_organisation  banks, shops, social media, other public bodies;
      email_provider      gmail, hotmail, ...: also where our own codes and emails arrive.
    A message is about theirs when it names their account, login, password, app or the like
    ("my amazon account", "government gateway login": our own words, "change the email", "login",
    do not make it ours), or names them and none of our services ("my paypal has been locked").
    An email provider counts only when the message names none of our problems either ("the code
    never came to my hotmail" is ours). An email address typed never counts ("it's jo@gmail.com").
    The top intent (when it is about a service) gives its place and confidence to out_of_scope, so
    FallbackClassifier after it judges that as it would have judged DIET's choice.
    """

    LOOKUPS = ("other_organisation", "email_provider")

    def __init__(self, config: dict[str, Any], names: dict[str, list[str]],
                 model_storage: ModelStorage | None = None, resource: Resource | None = None) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._use(names)

    def _use(self, names: dict[str, list[str]]) -> None:
        self._names = {kind: sorted({n.strip().lower() for n in names.get(kind, []) if n.strip()})
                       for kind in self.LOOKUPS}
        self._patterns = {kind: _words_pattern(found) for kind, found in self._names.items()}
        self._accounts = {kind: _words_pattern(found, _THEIR_ACCOUNT) for kind, found in self._names.items()}

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"names_file": "data/scope/other_organisations.yml"}

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """The file's contents: Rasa retrains the component when they change (not only its config)."""
        path = names_path(config)
        return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "no file"

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> OtherOrganisations:
        return cls(config, {}, model_storage, resource)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> OtherOrganisations:
        try:
            with model_storage.read_from(resource) as directory:
                names = json.loads((Path(directory) / "names.json").read_text())
        except (ValueError, OSError):  # a model trained without the file: nothing to rule out
            names = {}
        return cls(config, names, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        self._use(read_names(names_path(self._config)))
        if self._model_storage is not None and self._resource is not None:
            with self._model_storage.write_to(self._resource) as directory:
                (Path(directory) / "names.json").write_text(json.dumps(self._names))
        return self._resource

    def names_in(self, text: str) -> dict[str, list[str]]:
        """The organisations the text names, by lookup (email addresses left out)."""
        plain = _plain(text)
        return {kind: pattern.findall(plain) for kind, pattern in self._patterns.items() if pattern}

    def first_named(self, text: str) -> dict[str, Any] | None:
        """The first organisation named, as an `organisation` entity with the words as typed."""
        plain = _plain(text)
        found = [m for pattern in self._patterns.values() if pattern for m in [pattern.search(plain)] if m]
        if not found:
            return None
        match = min(found, key=lambda m: m.start())
        return {"entity": ORGANISATION, "value": text[match.start():match.end()], "start": match.start(),
                "end": match.end(), "extractor": type(self).__name__}

    def _name_them(self, message: Message, text: str) -> None:
        """Adds the organisation named (if any) to the entities: the answer says whom to contact."""
        named = self.first_named(text)
        if named:
            message.set(ENTITIES, [*(message.get(ENTITIES) or []), named], add_to_output=True)

    def about_theirs(self, text: str, told: set[str]) -> bool:
        """True when the text is about another organisation's account or service (`told`: the
        entity types found in it)."""
        plain = _plain(text)
        for kind in self.LOOKUPS:
            pattern = self._patterns.get(kind)
            if pattern is None or not pattern.search(plain):
                continue
            if kind == "email_provider" and "problem" in told:
                continue
            if "service" not in told or self._accounts[kind].search(plain):
                return True
        return False

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            ranking = message.get(INTENT_RANKING_KEY) or []
            text = message.get(TEXT) or ""
            told = {e.get("entity") for e in message.get(ENTITIES) or []}
            if not self.about_theirs(text, told):
                continue
            self._name_them(message, text)  # the answer says whom to contact, whoever chose out_of_scope
            if not ranking or intent.get(INTENT_NAME_KEY) not in ABOUT_A_SERVICE:
                continue
            top = ranking[0]
            out_of_scope = next((r for r in ranking if r.get(INTENT_NAME_KEY) == OUT_OF_SCOPE), None)
            swapped = [{**top, PREDICTED_CONFIDENCE_KEY: out_of_scope[PREDICTED_CONFIDENCE_KEY] if out_of_scope else 0.0}]
            swapped += [r for r in ranking[1:] if r is not out_of_scope]
            ranking = [{INTENT_NAME_KEY: OUT_OF_SCOPE, PREDICTED_CONFIDENCE_KEY: top[PREDICTED_CONFIDENCE_KEY]}]
            ranking += sorted(swapped, key=lambda r: r[PREDICTED_CONFIDENCE_KEY], reverse=True)
            message.set(INTENT, {**intent, INTENT_NAME_KEY: OUT_OF_SCOPE}, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages


class NamesFileError(ValueError):
    """The other organisations' file cannot be used; the text says which file and what to fix, and
    `line` where (1 for the whole file)."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.line = line


def _plain(text: str) -> str:
    """Lower case, email addresses blanked out, every character where it was (spans stay valid)."""
    blanked = _EMAIL_ADDRESS.sub(lambda m: " " * len(m.group()), text)
    lowered = blanked.lower()
    return lowered if len(lowered) == len(blanked) else "".join(c if len(c.lower()) != 1 else c.lower() for c in blanked)


def names_path(config: dict[str, Any]) -> Path:
    path = Path(config.get("names_file") or OtherOrganisations.get_default_config()["names_file"])
    return path if path.is_absolute() else PROJECT_ROOT / path


def read_names(path: Path) -> dict[str, list[str]]:
    """The names in the file, by kind; NamesFileError saying what is wrong, with the file's name. A
    missing file is no names (an organisation's project may not need any)."""
    if not path.exists():
        return {}
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        raise NamesFileError(f"{path}: not readable YAML: {exc}", mark.line + 1 if mark else 1) from exc
    data = data or {}
    if not isinstance(data, dict):
        raise NamesFileError(f"{path}: expected {' and '.join(OtherOrganisations.LOOKUPS)}, each a list of names")
    lines = text.splitlines()
    names: dict[str, list[str]] = {}
    for kind, listed in data.items():
        line = next((n for n, said in enumerate(lines, start=1) if said.startswith(f"{kind}:")), 1)
        if kind not in OtherOrganisations.LOOKUPS:
            raise NamesFileError(f"{path}: unknown list {kind!r}; expected {' or '.join(OtherOrganisations.LOOKUPS)}",
                                 line)
        if not isinstance(listed, list) or not all(isinstance(n, str) and n.strip() for n in listed):
            raise NamesFileError(f"{path}: {kind} must be a list of names (text, one a line)", line)
        names[kind] = list(listed)
    return names


def _words_pattern(names: list[str], followed_by: str = "") -> re.Pattern[str] | None:
    """One regex for the names as whole words or phrases, longest first ("government gateway"
    before "gateway"), optionally followed by more (a regex)."""
    if not names:
        return None
    ordered = sorted(names, key=len, reverse=True)
    return re.compile(r"(?<![\w@.])(?:" + "|".join(re.escape(n) for n in ordered) + r")(?![\w])" + followed_by)
