"""Reads data/services/*.yml into a Catalogue, keeping the file and line of everything."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from bot.catalogue.issues import CatalogueError, Issue, Location
from bot.catalogue.models import (
    ERROR_CODE_PATTERN,
    ID_PATTERN,
    PATH_PATTERN,
    Catalogue,
    Node,
    Service,
)

DEFAULT_DIRECTORY = "data/services"
SUFFIXES = (".yml", ".yaml")

_PATTERN_MESSAGES = {
    ID_PATTERN: "should be an id in lower case: letters, digits and _ (like pay_council_tax)",
    ERROR_CODE_PATTERN: "should be an error code in capitals, digits and _ (like CARD_DECLINED)",
    PATH_PATTERN: "should be a page path starting with / (like /council-tax/pay)",
}
_TYPE_MESSAGES = {
    "value_error.missing": "is missing",
    "value_error.extra": "is not a field the catalogue knows (is it misspelt?)",
    "type_error.list": "should be a list (one `- item` per line, or [a, b])",
    "type_error.dict": "should be a set of `key: value` lines",
    "type_error.str": "should be text",
    "type_error.none.not_allowed": "is empty",
    "value_error.strictbool": "should be true or false",
    "value_error.any_str.min_length": "is empty",
    "value_error.list.min_items": "needs at least one entry",
}


def service_files(directory: str | Path) -> list[Path]:
    """The catalogue's files, by name; names starting with `_` or `.` are left out."""
    return sorted(
        p
        for p in Path(directory).iterdir()
        if p.is_file() and p.suffix in SUFFIXES and not p.name.startswith(("_", "."))
    )


def load_catalogue(directory: str | Path = DEFAULT_DIRECTORY) -> Catalogue:
    """Load every service file; raise CatalogueError listing every problem found, with file:line."""
    directory = Path(directory)
    if not directory.is_dir():
        raise CatalogueError([Issue(str(directory), 0, "no such directory")])
    catalogue = Catalogue()
    issues: list[Issue] = []
    for path in service_files(directory):
        service, file_issues = load_service(path)
        issues.extend(file_issues)
        if service is None:
            continue
        if service.id in catalogue.services:
            catalogue.duplicates.append(service)
        else:
            catalogue.services[service.id] = service
    if issues:
        raise CatalogueError(issues)
    return catalogue


def load_service(path: Path) -> tuple[Service | None, list[Issue]]:
    """One service file: the Service, or None and the issues that stop it loading."""
    file = str(path)
    try:
        tree = YAML(typ="rt").load(path.read_text(encoding="utf-8"))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        detail = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        return None, [Issue(file, line, f"not valid YAML: {detail}")]
    except (YAMLError, UnicodeDecodeError, OSError) as exc:
        return None, [Issue(file, 0, f"cannot read the file: {exc}")]
    if tree is None:
        return None, [Issue(file, 1, "the file is empty")]
    if not isinstance(tree, CommentedMap):
        return None, [
            Issue(
                file, 1, "the file should be a set of `key: value` lines (id:, name:, steps: ...)"
            )
        ]
    try:
        service = Service.parse_obj(_plain(tree))
    except ValidationError as exc:
        return None, [_issue_for(file, tree, error) for error in exc.errors()]
    _attach(service, tree, file)
    return service, []


def _plain(value: Any) -> Any:
    """ruamel's round-trip objects as plain dicts, lists and scalars."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return value


def _issue_for(file: str, tree: CommentedMap, error: dict[str, Any]) -> Issue:
    loc = tuple(error["loc"])
    if loc and loc[-1] == "__root__":
        loc = loc[:-1]
    line = _line_of(tree, loc)
    message = _TYPE_MESSAGES.get(error["type"], error["msg"])
    if error["type"] == "value_error.str.regex":
        message = _PATTERN_MESSAGES.get(error.get("ctx", {}).get("pattern"), error["msg"])
    return Issue(file, line, f"{_describe(tree, loc)} {message}")


def _line_of(tree: Any, loc: Sequence) -> int:
    """The line of the deepest part of `loc` that is written in the file (1-based)."""
    node, line = tree, tree.lc.line + 1
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            line = node.lc.key(part)[0] + 1
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            line = node.lc.item(part)[0] + 1
            node = node[part]
        else:
            break
    return line


def _describe(tree: Any, loc: Sequence) -> str:
    """`steps[account].problems[card_declined].phrases`: a path a content editor can follow."""
    text, node = "", tree
    for part in loc:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and part < len(node) else None
            name = _item_name(item)
            text += f"[{name}]" if name else f"[item {part + 1}]"
            node = item
        else:
            text += f".{part}" if text else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return f"`{text}`" if text else "the file"


def _item_name(item: Any) -> str | None:
    if isinstance(item, dict):
        for key in ("id", "service", "name"):
            if isinstance(item.get(key), str):
                return item[key]
    return None


def _attach(model: Node, node: CommentedMap, file: str) -> None:
    """Give the model, and every model inside it, the line each of its keys is written on."""
    lines: dict[tuple, int] = {(): node.lc.line + 1}
    names = {field.alias: name for name, field in model.__fields__.items()}
    for key in node:
        lines[(key,)] = node.lc.key(key)[0] + 1
        value, attribute = node[key], getattr(model, names.get(key, key), None)
        if isinstance(value, CommentedMap) and isinstance(attribute, Node):
            _attach(attribute, value, file)
        elif isinstance(value, CommentedMap) and isinstance(attribute, dict):  # e.g. choice_words
            lines.update({(key, inner): value.lc.key(inner)[0] + 1 for inner in value})
        elif isinstance(value, CommentedSeq) and isinstance(attribute, list):
            for i, item in enumerate(attribute):
                if i >= len(value):
                    break
                lines[(key, i)] = value.lc.item(i)[0] + 1
                if isinstance(item, Node) and isinstance(value[i], CommentedMap):
                    _attach(item, value[i], file)
    model.set_source(Location(file, node.lc.line + 1), lines)
