"""Reading what customers type for do-it-for-me: references, postcodes, amounts, dates, items, contacts."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from bot.catalogue.models import normalise_phrase

REFERENCE_RE = re.compile(r"(?<!\d)(\d{4})[\s-]?(\d{4})(?!\d)")
POSTCODE_RE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})\b", re.IGNORECASE)
EMAIL_RE = re.compile(r"[^@\s,;<>]+@[^@\s,;<>]+\.[A-Za-z]{2,}")
PHONE_RE = re.compile(r"(?:\+44\s?|0044\s?|0)[\d\s\-()]{9,13}\d")
UK_PHONE_RE = re.compile(r"^0(?:7[0-9]{9}|[1-3][0-9]{8,9}|8[0-9]{8,9}|9[0-9]{9})$")
AMOUNT_RE = re.compile(r"£?\s*((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?)")
REGISTRATION_RES = (
    re.compile(r"\b([A-Z]{2}[0-9]{2})\s?([A-Z]{3})\b", re.IGNORECASE),  # current: AB51 XYZ
    re.compile(r"\b([A-Z][0-9]{1,3})\s?([A-Z]{3})\b", re.IGNORECASE),  # prefix: A123 BCD
    re.compile(r"\b([A-Z]{3})\s?([0-9]{1,3}[A-Z])\b", re.IGNORECASE),  # suffix: ABC 123D
)

WHOLE_BALANCE_WORDS = ("full", "whole", "all of it", "everything", "balance", "all")
SKIP_WORDS = ("skip", "no change", "not changing", "isn't changing", "isnt changing", "same",
              "leave it", "keep it", "none", "no", "nope", "nothing", "n/a")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Said to show the customer has read something, not to answer a question: "ok" to "have you used our
# online services before?" is not a yes (P4).
ACKNOWLEDGEMENTS = frozenset({
    "ok", "okay", "okey", "okie", "k", "kk", "ok then", "okay then", "ok thanks", "ok thank you", "right",
    "right then", "alright", "all right", "fine", "cool", "ta", "thanks", "thank you", "got it", "i see",
    "understood", "noted", "sounds good", "mm", "hmm", "oh", "oh ok", "ah ok", "ah", "lol ok", "hehe ok",
})
# A person named in a message ("get me a human", "let me speak to someone"): a frustrated customer who
# asks for one is passed to an adviser at once, not asked to carry on (STANDARD P9: frustration can
# lead to an adviser).
# ("someone" only where it asks for one: "has someone even tested this site" is not a request)
PERSON_WORDS = ("human", "a person", "real person", "actual person", "adviser", "advisor", "agent", "operator",
                "member of staff", "staff member", "speak to someone", "talk to someone", "speak to somebody",
                "talk to somebody", "get me someone", "someone real", "someone who can help")
NOT_WANTED = ("don't want", "dont want", "do not want", "no need for", "without")
# "what can you do?": classified out of scope (an intent of its own cost the NLU target), answered
# with what the assistant does, not "that's not something I can help with"
CAPABILITY_QUESTIONS = ("what can you do", "what do you do", "what can you help with", "what can you help me with",
                        "what do you help with", "how can you help", "how do you help", "what are you for",
                        "what else can you do", "what can i ask you", "what can you help me do")
# "what do i need?", "what documents do i need?": what to have ready (the catalogue's `you_need`).
# The NLU reads these as out of scope, stuck, "why?" or not understood, so the actions check the words.
NEEDS_QUESTIONS = ("what do i need", "what will i need", "what would i need", "what do i have to have",
                   "what documents", "what document", "what paperwork", "what should i have ready", "what i ll need",
                   "do i need anything", "what do you need from me", "what information do you need",
                   "what info do you need", "what details do you need", "tell me what i need")
NOT_NEEDS = ("need to do", "need to press", "need to click", "need to type", "need to enter", "need to put")
# "how much is it?", "is it free?": what the service costs (the catalogue's `cost`)
COST_QUESTIONS = ("how much", "what does it cost", "what will it cost", "what s the cost", "what is the cost",
                  "is there a charge", "is there a fee", "what s the fee", "what is the fee", "is it free",
                  "do i have to pay", "do i need to pay", "cost anything", "costs anything", "what s the price",
                  "what is the price")
NOT_COST = ("how much longer", "how much time", "how much more")
WHAT_IS_OPENINGS = ("what s a ", "what s an ", "what s the ", "whats a ", "whats an ", "whats the ", "what is a ",
                    "what is an ", "what is the ", "what are ", "what does ", "what do you mean by ")
WHY_WORDS = frozenset({"why", "point", "reason", "purpose", "for", "need", "needed", "you"})  # "what's the point of it"
# "which one should i pick?", "i don't understand", said to the ways forward: a recommendation
WHICH_WAY = ("which one", "which should i", "which would you", "what do you recommend", "what would you recommend",
             "what do you suggest", "what would you suggest", "what should i choose", "what should i pick",
             "what should i do", "which is best", "which is easiest", "which is easier", "which is quickest",
             "what s best", "what is best", "don t understand", "dont understand", "do not understand",
             "not sure what you mean", "what do you mean", "i m confused", "im confused", "not sure which",
             "can you explain", "help me choose", "help me decide")
# "what do i do now?" is a question about the step the customer is on, though the NLU reads it as
# "done" (its training has "what now" and "what's next", which are): the step is given again
WHAT_TO_DO = frozenset({
    "what do i do", "what do i do now", "what do i do here", "what do i do on this page", "what do i do then",
    "what am i supposed to do", "what am i supposed to do now", "what am i meant to do", "what am i meant to do now",
    "what do i have to do", "what do i have to do now", "what do i need to do", "what do i need to do now",
    "what should i do", "what should i do now", "what do i do with this", "what do i do with this page",
    "i don t know what to do", "not sure what to do", "i m not sure what to do", "what do i put",
    "what do i put here", "what do i type", "what do i type here",
})
FILLERS = ("ok", "okay", "so", "right", "um", "erm", "er", "and", "sorry", "hmm", "but")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")


def _words(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9/@.\-]+", " ", text.lower()).strip() + " "


def _letters(text: str) -> list[str]:
    """The words of a message in lower case, letters only ("Don't!" → ["don", "t"])."""
    return re.sub(r"[^a-z ]+", " ", text.lower()).split()


def is_bare_acknowledgement(text: str) -> bool:
    """"ok", "right then", "thanks": read, not answered (punctuation and case aside)."""
    return " ".join(_letters(text)) in ACKNOWLEDGEMENTS


def says_any(text: str, phrases: Iterable[str]) -> bool:
    """One of the phrases is in the text, as whole words (case and punctuation aside)."""
    words = _words(text)
    return any(_words(phrase) in words for phrase in phrases)


def asks_for_person(text: str) -> bool:
    """The message asks for a person, and does not turn one down ("i don't want a human")."""
    return says_any(text, PERSON_WORDS) and not says_any(text, NOT_WANTED)


def asks_what_we_do(text: str) -> bool:
    """"what can you do?", "so how can you help me": the customer asks what the assistant is for."""
    return says_any(text, CAPABILITY_QUESTIONS)


def asks_what_is_needed(text: str) -> bool:
    """"what do i need?", "what documents do i need": what to have ready, not what to do on this page
    ("what do i need to do now?" is that)."""
    return says_any(text, NEEDS_QUESTIONS) and not says_any(text, NOT_NEEDS) and not asks_what_to_do(text)


def asks_the_cost(text: str) -> bool:
    """"how much is it?", "is there a charge?", "how much do i owe?": what the service costs (for
    council tax, where the balance is shown), not "how much longer?"."""
    return says_any(text, COST_QUESTIONS) and not says_any(text, NOT_COST)


def asks_what_it_is(text: str) -> bool:
    """"what's an account reference?", "what does eligibility mean?": what something on the page is,
    which the NLU reads as "why?"; the page's full instruction says it, not the step's why."""
    words = " ".join(_letters(text)) + " "
    opening = next((o for o in WHAT_IS_OPENINGS if words.startswith(o)), None)
    return opening is not None and not set(words[len(opening):].split()) & WHY_WORDS


def asks_which_way(text: str) -> bool:
    """"which one should i pick?", "i don't understand": said to the ways forward, a request for advice."""
    return says_any(text, WHICH_WAY)


def asks_what_to_do(text: str) -> bool:
    """"what do i do now?", "ok so what am i supposed to do": a question about this step, not "done"."""
    words = _letters(text)
    while words and words[0] in FILLERS:
        words = words[1:]
    return " ".join(words) in WHAT_TO_DO


def is_skip(text: str) -> bool:
    """"skip", "no", "it's not changing": nothing to change for an optional answer."""
    words = _words(text)
    return any(f" {w} " in words for w in SKIP_WORDS)


def find_reference(text: str) -> str | None:
    """The 8-digit account reference in a message ("1000 0001" → "10000001")."""
    match = REFERENCE_RE.search(text or "")
    return match.group(1) + match.group(2) if match else None


def normalise_reference(value: object) -> str | None:
    return find_reference(str(value)) if value is not None else None


def find_postcode(text: str) -> str | None:
    """A UK-shaped postcode in a message, as "RV1 1AA" (upper case, one space)."""
    match = POSTCODE_RE.search(text or "")
    return f"{match.group(1).upper()} {match.group(2).upper()}" if match else None


def normalise_postcode(value: object) -> str | None:
    return find_postcode(str(value)) if value is not None else None


def parse_amount(text: str) -> str | None:
    """"£1,245.60" → "1245.60"; "the full balance" → "" (the API's default); None if neither."""
    lowered = (text or "").lower()
    match = AMOUNT_RE.search(lowered)
    if match:
        try:
            value = Decimal(match.group(1).replace(",", "")).quantize(Decimal("0.01"), ROUND_HALF_UP)
        except InvalidOperation:
            return None
        return f"{value}" if value > 0 else None
    words = _words(lowered)
    if any(f" {w} " in words for w in WHOLE_BALANCE_WORDS):
        return ""
    return None


def parse_registration(text: str) -> str | None:
    """A UK number plate in a message, as "RV12 ABC"."""
    for pattern in REGISTRATION_RES:
        match = pattern.search(text or "")
        if match:
            return f"{match.group(1).upper()} {match.group(2).upper()}"
    return None


def parse_email(text: str) -> str | None:
    match = EMAIL_RE.search(text or "")
    return match.group(0).strip(".").lower() if match else None


def parse_phone(text: str) -> str | None:
    """A UK phone number in a message, as digits starting 0."""
    match = PHONE_RE.search(text or "")
    if not match:
        return None
    value = re.sub(r"[\s\-()]", "", match.group(0))
    if value.startswith("+44"):
        value = "0" + value[3:].removeprefix("0")
    elif value.startswith("0044"):
        value = "0" + value[4:].removeprefix("0")
    return value if UK_PHONE_RE.match(value) else None


def _choice_words(choice: str) -> list[str]:
    """How a choice key can be written: "fridge-freezer" → "fridge freezer", "fridge"."""
    spaced = choice.replace("-", " ").replace("_", " ")
    return [spaced, spaced.split(" ")[0]] if " " in spaced else [spaced]


def parse_choices(text: str, choices: Sequence[str], other_words: Mapping[str, Sequence[str]] | None = None) -> list[str]:
    """Every choice the message names, in the catalogue's order; `other_words`: more words for a
    choice (the catalogue's `choice_words`, e.g. "green" for the garden waste bin)."""
    words = _words(text)
    found = []
    for choice in choices:
        names = [*_choice_words(choice), *map(normalise_phrase, (other_words or {}).get(choice, ()))]
        if any(re.search(rf"\b{re.escape(w)}(e?s)?\b", words) for w in names):
            found.append(choice)
    return found


def parse_choice(text: str, choices: Sequence[str], other_words: Mapping[str, Sequence[str]] | None = None) -> str | None:
    found = parse_choices(text, choices, other_words)
    return found[0] if len(found) == 1 else None


def looks_past(prompt: str) -> bool:
    """Whether a date question is about the past ("should it have been collected?")."""
    lowered = prompt.lower()
    return any(cue in lowered for cue in ("should", "have been", " was ", " were ", "did "))


def parse_date(text: str, today: date, past: bool) -> date | None:
    """A date from what customers type: "yesterday", "last tuesday", "monday", "14/03/2025",
    "2025-03-14", "12th march", "the 3rd". A bare weekday or day means the nearest one in the
    past for a question about the past, else the nearest one to come."""
    lowered = (text or "").lower()
    words = _words(lowered)
    if " today " in words:
        return today
    if " yesterday " in words:
        return today - timedelta(days=1)
    if " tomorrow " in words:
        return today + timedelta(days=1)
    iso = re.search(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", lowered)
    if iso:
        return _safe_date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    numeric = re.search(r"\b(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2,4}))?\b", lowered)
    if numeric:
        year = int(numeric.group(3)) if numeric.group(3) else None
        if year is not None and year < 100:
            year += 2000
        return _pick_year(int(numeric.group(1)), int(numeric.group(2)), year, today, past)
    month_name = next((i + 1 for i, m in enumerate(MONTHS) if re.search(rf"\b{m[:3]}[a-z]*\b", lowered)), None)
    day_number = re.search(r"\b(\d{1,2})(?:st|nd|rd|th)?\b", lowered)
    if month_name and day_number:
        year = re.search(r"\b(20\d{2})\b", lowered)
        return _pick_year(int(day_number.group(1)), month_name, int(year.group(1)) if year else None, today, past)
    ordinal = re.search(r"\bthe (\d{1,2})(?:st|nd|rd|th)?\b", lowered) or re.search(r"\b(\d{1,2})(?:st|nd|rd|th)\b", lowered)
    if ordinal:
        day = int(ordinal.group(1))
        month, year = today.month, today.year
        candidate = _safe_date(year, month, day)
        if candidate is not None and past and candidate > today:
            month, year = (12, year - 1) if month == 1 else (month - 1, year)
        elif candidate is not None and not past and candidate <= today:
            month, year = (1, year + 1) if month == 12 else (month + 1, year)
        return _safe_date(year, month, day)
    weekday = next((i for i, d in enumerate(WEEKDAYS) if re.search(rf"\b{d[:3]}[a-z]*\b", lowered)), None)
    if weekday is not None:
        if " last " in words or " just gone " in words or " ago " in words:
            past = True
        elif " next " in words or " coming " in words:
            past = False
        if past:
            delta = (today.weekday() - weekday) % 7 or (0 if " last " not in words else 7)
            return today - timedelta(days=delta)
        delta = (weekday - today.weekday()) % 7 or 7
        return today + timedelta(days=delta)
    return None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _pick_year(day: int, month: int, year: int | None, today: date, past: bool) -> date | None:
    if year is not None:
        return _safe_date(year, month, day)
    candidate = _safe_date(today.year, month, day)
    if candidate is None:
        return None
    if past and candidate > today:
        return _safe_date(today.year - 1, month, day)
    if not past and candidate < today:
        return _safe_date(today.year + 1, month, day)
    return candidate


def display_date(iso: str) -> str:
    """"2025-03-03" → "Monday 3 March 2025"."""
    try:
        day = date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{WEEKDAYS[day.weekday()].title()} {day.day} {MONTHS[day.month - 1].title()} {day.year}"
