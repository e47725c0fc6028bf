"""Rasa component: a `familiarity` entity read as `new` or `familiar`, whatever words the NLU tagged (P4).

DIET tags the words of a self-report ("never done this online", "i use it every month") as a
`familiarity` entity and EntitySynonymMapper maps the phrases it was trained on; a span it only
partly recognises ("use the site", "n't used it before") still arrives as raw text. This
component, after them in the pipeline, reads such a span with the words around it and gives
the entity the value `new` or `familiar`, or drops it when the words say neither - so the slot's
plain `from_entity` mapping only ever fills one of its two values and a message that says
nothing about experience leaves what was known before.

It replaces a global `action_validate_slot_mappings` on the action server, which Rasa calls on
every turn with the whole tracker (a sixth of Rasa's time per message in `make bench`): reading
a few words belongs to the NLU, where it costs microseconds.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlp.component import StatelessComponent

logger = logging.getLogger(__name__)
ENTITY = "familiarity"

VALUES = ("new", "familiar")

# Checked in this order: "not my first time" is familiar although it says "first".
FAMILIAR_DESPITE_NEGATION = (r"\bnot (my|the) first\b", r"\bisn'?t my first\b", r"\bnot new\b", r"\bno stranger\b")
NEW_CUES = (
    r"\bfirst\b", r"\bnever\b", r"\bnew\b", r"\bbeginner", r"\bnovice", r"\bnewbie", r"\brubbish\b",
    r"\buseless\b", r"\bhopeless\b", r"\bstruggle", r"\bconfus", r"\btechnophobe", r"\bno idea\b",
    r"\bnot (used|sure|great|good|very|confident|techy|a (computer|tech))",
    r"\b(don'?t|do not|haven'?t|have not|didn'?t|never) (really )?(use|do|know|done|used|been|had)",
    r"\bonly just\b", r"\blearning\b", r"\b(does|sorts|did) it for me\b", r"\bnormally does\b",
    r"\busually sorts\b", r"\bnot done\b",
    # doing it offline so far: new to the online service, however often they did it in person
    r"\bin person\b", r"\bover the counter\b", r"\bby (post|cheque|phone)\b",
    r"\b(go|went|going|pop|popped) (in|into|down|to) (the |your )?(office|council|town hall|library)",
    r"\b(phone|phoned|ring|rang|call|called) (up|them|you|the council)\b",
)
FAMILIAR_CUES = (
    r"\bbefore\b", r"\bevery\b", r"\ball the time\b", r"\balways\b", r"\bregular", r"\busually manage", r"\bmyself\b",
    r"\bknow\b", r"\bfine with\b", r"\bgood with\b", r"\bconfident\b", r"\bexperienced\b", r"\bfamiliar\b", r"\byears\b",
    r"\bloads\b", r"\bplenty\b", r"\btimes\b", r"\btechy\b", r"\bsavvy\b", r"\bold hand\b", r"\bused to\b",
    r"\b(use|used|do|did|done|pay|renew|manage)\b",
)


def familiarity_from_words(words: str) -> str | None:
    """new / familiar from a self-report, or None when it says neither."""
    text = " ".join(words.lower().split())
    if any(re.search(p, text) for p in FAMILIAR_DESPITE_NEGATION):
        return "familiar"
    if any(re.search(p, text) for p in NEW_CUES):
        return "new"
    if any(re.search(p, text) for p in FAMILIAR_CUES):
        return "familiar"
    return None


def span_in_context(text: str, entity: dict[str, Any], words_around: int = 4) -> str:
    start, end = entity.get("start"), entity.get("end")
    if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start <= end <= len(text):
        return str(entity.get("value") or "")
    # whole words: a span that starts at "n't" of "haven't" must keep the negation
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    before = text[:start].split()[-words_around:]
    after = text[end:].split()[:words_around]
    return " ".join(before + [text[start:end]] + after)


def familiarity_of(text: str, entity: dict[str, Any]) -> str | None:
    """`new` / `familiar` for one `familiarity` entity of `text`, or None when its words say neither."""
    value = entity.get("value")
    if value in VALUES:
        return str(value)
    return familiarity_from_words(span_in_context(text, entity))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class FamiliarityReader(StatelessComponent):
    """Gives each `familiarity` entity the value `new` or `familiar`, or drops it.

    Put it after DIETClassifier and EntitySynonymMapper.
    """

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            entities = message.get(ENTITIES) or []
            if not any(e.get("entity") == ENTITY for e in entities):
                continue
            text = message.get(TEXT) or ""
            kept = []
            for entity in entities:
                if entity.get("entity") != ENTITY:
                    kept.append(entity)
                    continue
                value = familiarity_of(text, entity)
                if value is None:
                    logger.debug("dropped a familiarity entity that says neither new nor familiar")
                elif all(k.get("entity") != ENTITY or k.get("value") != value for k in kept):
                    kept.append({**entity, "value": value})
            message.set(ENTITIES, kept, add_to_output=True)
        return messages
