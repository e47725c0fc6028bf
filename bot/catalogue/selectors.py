"""Tells a plausible CSS selector (`#postcode`, `input[name=amount]`) from prose or a typo."""

from __future__ import annotations

import re

HTML_TAGS = frozenset(
    [
        "a",
        "abbr",
        "address",
        "article",
        "aside",
        "audio",
        "b",
        "body",
        "button",
        "canvas",
        "caption",
        "code",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "em",
        "fieldset",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "html",
        "i",
        "iframe",
        "img",
        "input",
        "label",
        "legend",
        "li",
        "main",
        "nav",
        "ol",
        "optgroup",
        "option",
        "output",
        "p",
        "picture",
        "pre",
        "section",
        "select",
        "small",
        "span",
        "strong",
        "summary",
        "table",
        "tbody",
        "td",
        "textarea",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
        "video",
    ]
)

_COMPOUND = re.compile(
    r"""(?P<tag>[a-zA-Z][a-zA-Z0-9-]*|\*)?
        (?P<rest>(?:
            \#-?[_a-zA-Z][\w-]*
          | \.-?[_a-zA-Z][\w-]*
          | \[\s*[_a-zA-Z][\w:.-]*\s*(?:[~|^$*]?=\s*(?:"[^"]*"|'[^']*'|[\w-]+)\s*(?:\s[is])?)?\]
          | ::?[a-zA-Z-]+(?:\([^()]*\))?
        )*)""",
    re.VERBOSE,
)
_COMBINATOR = re.compile(r"\s*[>+~]\s*|\s+")


def is_plausible_selector(selector: str) -> bool:
    """True for a selector list made of real tags, ids, classes, attributes or pseudo-classes."""
    selector = selector.strip()
    if not selector or "\n" in selector:
        return False
    for part in selector.split(","):
        compounds = _COMBINATOR.split(_protect_brackets(part.strip()))
        if not compounds or any(not _plausible_compound(c) for c in compounds):
            return False
    return True


def _protect_brackets(text: str) -> str:
    """Hide spaces inside [...] and (...) so they are not read as descendant combinators."""
    out, depth = [], 0
    for char in text:
        depth += char in "[("
        depth -= char in "])"
        out.append("\0" if char == " " and depth > 0 else char)
    return "".join(out)


def _plausible_compound(compound: str) -> bool:
    compound = compound.replace("\0", " ")
    match = _COMPOUND.fullmatch(compound)
    if not compound or match is None:
        return False
    tag = match.group("tag")
    return tag is None or tag == "*" or tag.lower() in HTML_TAGS or "-" in tag
