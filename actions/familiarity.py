"""`action_validate_slot_mappings`: turns what customers say about their experience into `new` or `familiar` (P4).

The NLU tags the words ("never done this online", "i use it every month") as a `familiarity`
entity; its synonyms map the phrases it was trained on, but a span it only partly recognises
("use the site") arrives as raw text. This reads such a span, with the words around it, as new
or familiar, so the slot only ever holds one of its two values.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction
from rasa_sdk.types import DomainDict

from actions.conversation import slot_before_latest_message

VALUES = ("new", "familiar")
BY_INTENT = {"express_new_user": "new", "express_experienced_user": "familiar"}

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


def _span_in_context(text: str, entity: dict[str, Any], words_around: int = 4) -> str:
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


class ValidateSlotMappings(ValidationAction):
    """Keeps `familiarity` to new / familiar whatever span the NLU tagged."""

    def validate_familiarity(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name")
        if intent in BY_INTENT:
            return {"familiarity": BY_INTENT[intent]}
        if value in VALUES:
            return {"familiarity": value}
        text = message.get("text") or ""
        for entity in message.get("entities") or []:
            if entity.get("entity") == "familiarity":
                if entity.get("value") in VALUES:
                    return {"familiarity": entity["value"]}
                found = familiarity_from_words(_span_in_context(text, entity))
                if found:
                    return {"familiarity": found}
        # not understood: keep what we knew before this message
        before = slot_before_latest_message(tracker, "familiarity")
        return {"familiarity": before if before in VALUES else None}
