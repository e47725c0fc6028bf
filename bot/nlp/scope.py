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

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
)
from rasa.shared.nlu.training_data.message import Message

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
