"""What goes wrong in a catalogue, said with the file and line that needs fixing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple


class Location(NamedTuple):
    """A place in a catalogue file (line 1 is the first line; 0 when not known)."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


UNKNOWN = Location("<catalogue>", 0)


@dataclass(frozen=True, order=True)
class Issue:
    """One thing a content editor has to fix; `str()` gives `file:line: message`."""

    file: str
    line: int
    message: str
    warning: bool = False

    @classmethod
    def at(cls, where: Location, message: str, warning: bool = False) -> Issue:
        return cls(where.file, where.line, message, warning)

    def __str__(self) -> str:
        prefix = "warning: " if self.warning else ""
        return f"{self.file}:{self.line}: {prefix}{self.message}"


class CatalogueError(Exception):
    """The catalogue cannot be used; `issues` lists every reason, each with file and line."""

    def __init__(self, issues: Iterable[Issue]) -> None:
        self.issues: list[Issue] = sorted(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues) or "catalogue error")
