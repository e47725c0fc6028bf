"""Scripted customer journeys, one per service of the catalogue: page views, a goal, familiarity, a
step-through with a "why?", a step done, and a handover to a person at the end."""

from __future__ import annotations

from dataclasses import dataclass

from bot.catalogue import load_catalogue


@dataclass(frozen=True)
class Turn:
    """A customer message (`text`), or a page view (`page` only: the widget's `page_view`)."""

    text: str | None = None
    page: str | None = None

    @property
    def is_message(self) -> bool:
        return self.text is not None


def journeys() -> list[tuple[str, list[Turn]]]:
    """(service id, turns) for each of the six journeys."""
    result = []
    for service in load_catalogue().services.values():
        naming = (service.synonyms or [service.name])[0].lower()
        steps = service.steps
        turns = [
            Turn(page=service.start_url),
            Turn("hello"),
            Turn(f"I need some help with {naming}"),
            Turn("it's my first time doing this online"),
            Turn("can you take me through it step by step?"),
            Turn(page=steps[0].screen),
            Turn("why do you need that?"),
            Turn("ok i've done that"),
        ]
        if len(steps) > 1:
            turns.append(Turn(page=steps[1].screen))
        turns += [Turn("what's the next step"), Turn("can I talk to a real person please")]
        result.append((service.id, turns))
    return result
