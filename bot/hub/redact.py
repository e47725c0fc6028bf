"""Redaction of card numbers, security codes and passwords before anything is stored or forwarded."""

from __future__ import annotations

import re

CARD_MASK = "[card number removed]"
CODE_MASK = "[security code removed]"
PASSWORD_MASK = "[password removed]"

# 13-19 digits, optionally grouped by spaces or dashes.
_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_SECURITY_CODE = re.compile(
    r"(?i)\b(cvv2?|cvc2?|csc|security\s+code|card\s+code|3\s*digits?(?:\s+on\s+the\s+back)?)"
    r"(\W{0,3}(?:is|are|was|=|:)?\W{0,3})(\d{3,4})\b"
)
# The word on its own ("PASSWORD_TOO_WEAK" is an error code, not a password) and a value that does
# not open a bracket: "Reset your password (this page is at ...)" and "a new password (10+
# characters)" are the assistant's own words, which it shows redacted too.
_PASSWORD = re.compile(
    r"(?i)\b(pass\s?word|passcode|pwd)\b(\s*(?:is|was|=|:|to|of)?\s*[\"'“]?)([^\s\"'”(\[{][^\s\"'”]{2,})"
)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _card(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return CARD_MASK if 13 <= len(digits) <= 19 and _luhn_ok(digits) else match.group(0)


def _looks_like_password(token: str) -> bool:
    """'Hunter2!' yes; 'wrong', 'expired', 'incorrect' (how customers describe problems) no."""
    has_digit = any(c.isdigit() for c in token)
    has_symbol = any(not c.isalnum() for c in token.rstrip(".,!?"))
    mixed_case = token != token.lower() and token != token.upper() and len(token) >= 8
    return has_digit or has_symbol or mixed_case


def _password(match: re.Match) -> str:
    if not _looks_like_password(match.group(3)):
        return match.group(0)
    return f"{match.group(1)}{match.group(2)}{PASSWORD_MASK}"


def redact(text: str) -> str:
    """The text with card numbers (Luhn-valid), security codes and stated passwords masked."""
    if not text:
        return text
    text = _CARD.sub(_card, text)
    text = _SECURITY_CODE.sub(lambda m: f"{m.group(1)}{m.group(2)}{CODE_MASK}", text)
    text = _PASSWORD.sub(_password, text)
    return text
