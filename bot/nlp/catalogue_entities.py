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
# Words customers put in or leave out of a catalogue phrase without changing what it says:
# "my vehicle isn't found" for "vehicle not found", "postcode was invalid" for "postcode is invalid".
# Compared as keys (below); "'s" after a noun is "is" or a possessive, either way a filler.
FILLER_KEYS = frozenset({"be", "my", "the", "a", "an", "your", "still", "just", "'s", "\u2019s", "'re", "'m"})
LEMMA_TABLE = "lemma_lookup"


class LoosePhrases:
    """The catalogue's phrases matched as customers vary them, where the entity ruler matches them only
    as written (lower-cased).

    Each token becomes a key: its norm (contractions spelled out: "n't" is "not", "wo" is "will";
    lower case) through the pipeline's lemma table ("found" is "find", "recognised" is
    "recognise"). Fillers (FILLER_KEYS) are left out on both sides, so a phrase matches wherever
    the message has its other keys in order with nothing but fillers between them. A phrase needs
    two keys left to be matched this way (one word alone is too loose), and keys that two
    different catalogue ids would share are not used.
    """

    def __init__(self, nlp: Any, patterns: list[dict[str, Any]]) -> None:
        self._nlp = nlp
        self._table = nlp.get_pipe("lemmatizer").lookups.get_table(LEMMA_TABLE) if "lemmatizer" in nlp.pipe_names \
            else {}
        claims: dict[tuple[str, ...], set[tuple[str, str]]] = {}
        for pattern in patterns:
            label, phrase, ent_id = pattern.get("label"), pattern.get("pattern"), pattern.get("id")
            if label in CATALOGUE_LABELS and isinstance(phrase, str) and ent_id:
                keys = self.phrase_keys(phrase)
                if keys:
                    claims.setdefault(keys, set()).add((label, ent_id))
        self.phrases = {keys: next(iter(owners)) for keys, owners in claims.items() if len(owners) == 1}
        self._by_first: dict[str, list[tuple[str, ...]]] = {}
        for keys in sorted(self.phrases, key=len, reverse=True):  # longest first
            self._by_first.setdefault(keys[0], []).append(keys)

    def phrase_keys(self, phrase: str) -> tuple[str, ...]:
        """The keys a catalogue phrase is matched by as customers vary it; () when it has fewer than
        two (it is matched only as written)."""
        keys = tuple(key for _, key in self.keys(self._nlp.make_doc(phrase)))
        return keys if len(keys) >= 2 else ()

    def key(self, token: Any) -> str:
        return self._table.get(token.norm_, token.norm_)

    def keys(self, doc: Any) -> list[tuple[int, str]]:
        """(token index, key) of the tokens that are not fillers."""
        return [(token.i, key) for token in doc if (key := self.key(token)) not in FILLER_KEYS
                and token.lower_ not in FILLER_KEYS]

    def matches(self, doc: Any) -> list[dict[str, Any]]:
        """`{entity, value, start, end}` for each phrase found, longest first, none overlapping."""
        content = self.keys(doc)
        found: list[dict[str, Any]] = []
        position = 0
        while position < len(content):
            for keys in self._by_first.get(content[position][1], ()):
                window = content[position:position + len(keys)]
                if tuple(key for _, key in window) == keys:
                    label, ent_id = self.phrases[keys]
                    first, last = doc[window[0][0]], doc[window[-1][0]]
                    found.append({"entity": label, "value": ent_id, "start": first.idx,
                                  "end": last.idx + len(last.text), "confidence_entity": 1.0})
                    position += len(keys)
                    break
            else:
                position += 1
        return found


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
        self._tables: tuple[dict[tuple[str, str], str], dict[str, set], LoosePhrases] | None = None

    @staticmethod
    def required_packages() -> list[str]:
        return ["spacy"]

    def _lookup_tables(self, nlp) -> tuple[dict[tuple[str, str], str], dict[str, set], LoosePhrases]:
        """(label, lower-cased phrase) → id, label → known ids, and the phrases as customers vary them;
        read once from the ruler."""
        if self._tables is None:
            phrases: dict[tuple[str, str], str] = {}
            ids: dict[str, set] = {label: set() for label in CATALOGUE_LABELS}
            patterns = nlp.get_pipe(RULER_PIPE).patterns if RULER_PIPE in nlp.pipe_names else []
            for pattern in patterns:
                label, phrase, ent_id = pattern["label"], pattern["pattern"], pattern.get("id")
                if label in ids and isinstance(phrase, str) and ent_id:
                    phrases[(label, phrase.lower())] = ent_id
                    ids[label].add(ent_id)
            self._tables = (phrases, ids, LoosePhrases(nlp, patterns))
        return self._tables

    def process(self, messages: list[Message], model: SpacyModel) -> list[Message]:
        nlp = model.model
        phrases, ids, loose = self._lookup_tables(nlp)
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
            matches += [m for m in loose.matches(doc)  # as customers vary the phrases
                        if not any(_overlaps(m, r["start"], r["end"]) for r in matches)]
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
                    value = phrases.get((label, value.lower())) or ""
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
