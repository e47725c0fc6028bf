"""Rasa component: catalogue entities (`service`, `problem`) as catalogue ids, from the spaCy ruler and DIET."""

from __future__ import annotations

import logging
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlp.component import StatelessComponent
from bot.nlp.pipeline import RULER_PIPE

logger = logging.getLogger(__name__)

CATALOGUE_LABELS = ("service", "problem")


def _overlaps(a: dict[str, Any], start: int, end: int) -> bool:
    return a.get("start", -1) < end and start < a.get("end", -1)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR,
    is_trainable=False,
    model_from="SpacyNLP",
)
class CatalogueEntityExtractor(StatelessComponent, EntityExtractorMixin):
    """Adds the ruler's catalogue matches and maps other extractors' values to catalogue ids.

    Put it after DIETClassifier and EntitySynonymMapper. A `service` / `problem` entity that
    overlaps a ruler match (a catalogue phrase) takes the match's id, whatever DIET guessed
    (DIET's training is not seeded, and a retraining once read "no slots left" as another
    service's "no dates available"); any other whose value is not a catalogue id is mapped
    through the catalogue's phrases or, failing that, dropped: actions only ever see ids.
    """

    @classmethod
    def required_components(cls) -> list[type]:
        return [SpacyNLP]

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        super().__init__(config)
        self._tables: tuple[dict[tuple[str, str], str], dict[str, set]] | None = None

    @staticmethod
    def required_packages() -> list[str]:
        return ["spacy"]

    def _lookup_tables(self, nlp) -> tuple[dict[tuple[str, str], str], dict[str, set]]:
        """(label, lower-cased phrase) → id, and label → known ids; read once from the ruler."""
        if self._tables is None:
            phrases: dict[tuple[str, str], str] = {}
            ids: dict[str, set] = {label: set() for label in CATALOGUE_LABELS}
            if RULER_PIPE in nlp.pipe_names:
                for pattern in nlp.get_pipe(RULER_PIPE).patterns:
                    label, phrase, ent_id = pattern["label"], pattern["pattern"], pattern.get("id")
                    if label in ids and isinstance(phrase, str) and ent_id:
                        phrases[(label, phrase.lower())] = ent_id
                        ids[label].add(ent_id)
            self._tables = (phrases, ids)
        return self._tables

    def process(self, messages: list[Message], model: SpacyModel) -> list[Message]:
        nlp = model.model
        phrases, ids = self._lookup_tables(nlp)
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            doc = nlp(text)
            matches = [
                {
                    "entity": ent.label_,
                    "value": ent.ent_id_,
                    "start": ent.start_char,
                    "end": ent.end_char,
                    "confidence_entity": 1.0,
                }
                for ent in doc.ents
                if ent.label_ in CATALOGUE_LABELS and ent.ent_id_
            ]
            kept: list[dict[str, Any]] = []
            for entity in message.get(ENTITIES, []):
                label = entity.get("entity")
                if label not in CATALOGUE_LABELS:
                    kept.append(entity)
                    continue
                value = str(entity.get("value", ""))
                ruled = next(
                    (m["value"] for m in matches if m["entity"] == label and _overlaps(entity, m["start"], m["end"])),
                    None,
                )
                if ruled is not None:  # the catalogue's own phrase for that span decides, not the model's guess
                    if ruled != value:
                        logger.debug("%s %r read as the catalogue's %r", label, value, ruled)
                    value = ruled
                elif value not in ids[label]:
                    value = phrases.get((label, value.lower()), "")
                if value:
                    kept.append({**entity, "value": value})
                else:
                    logger.debug("dropped a %s entity that is not in the catalogue", label)
            new = [
                m
                for m in matches
                if not any(
                    k.get("entity") == m["entity"] and _overlaps(k, m["start"], m["end"])
                    for k in kept
                )
            ]
            message.set(ENTITIES, kept + self.add_extractor_name(new), add_to_output=True)
        return messages
