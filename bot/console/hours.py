"""Advisers' opening hours (`WAYFINDER_OPENING_HOURS`): parse, check a moment, say when it opens next."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config import ConfigError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ENTRY = re.compile(r"^(?P<days>[a-z,\-\s]+?)\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})$")
EXAMPLE = "Mon-Fri 08:00-18:00; Sat 09:00-12:00"


def _day(name: str, text: str) -> int:
    key = name.strip()[:3]
    if key not in DAYS:
        raise ConfigError(f"WAYFINDER_OPENING_HOURS: {name.strip()!r} in {text!r} is not a day (Mon ... Sun)")
    return DAYS.index(key)


def _time(value: str, text: str) -> time:
    hours, minutes = (int(part) for part in value.split(":"))
    if hours == 24 and minutes == 0:
        return time.max
    if hours > 23 or minutes > 59:
        raise ConfigError(f"WAYFINDER_OPENING_HOURS: {value!r} in {text!r} is not a time of day")
    return time(hours, minutes)


@dataclass(frozen=True)
class Opening:
    day: int
    start: time
    end: time


@dataclass(frozen=True)
class OpeningHours:
    """When advisers take chats, in one time zone; `always` means every day, all day."""

    openings: tuple[Opening, ...] | None  # None: always open
    zone: ZoneInfo | timezone

    @classmethod
    def parse(cls, text: str, zone_name: str = "UTC") -> OpeningHours:
        try:
            zone: ZoneInfo | timezone = timezone.utc if zone_name.upper() == "UTC" else ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"WAYFINDER_TIMEZONE: {zone_name!r} is not a time zone like Europe/London") from None
        if text.strip().lower() == "always":
            return cls(None, zone)
        openings: list[Opening] = []
        for entry in filter(None, (e.strip().lower() for e in text.split(";"))):
            match = _ENTRY.match(entry)
            if not match:
                raise ConfigError(f"WAYFINDER_OPENING_HOURS: {entry!r} is not like {EXAMPLE!r} (or 'always')")
            start, end = _time(match["start"], entry), _time(match["end"], entry)
            if end <= start:
                raise ConfigError(f"WAYFINDER_OPENING_HOURS: {entry!r} ends before it starts")
            for part in match["days"].split(","):
                if "-" in part:
                    first, last = (_day(d, entry) for d in part.split("-", 1))
                    days = range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)]
                else:
                    days = [_day(part, entry)]
                openings.extend(Opening(day, start, end) for day in days)
        if not openings:
            raise ConfigError(f"WAYFINDER_OPENING_HOURS is empty: give hours like {EXAMPLE!r} or 'always'")
        return cls(tuple(sorted(openings, key=lambda o: (o.day, o.start))), zone)

    def local(self, moment: datetime) -> datetime:
        """`moment` (aware, or naive UTC as the store keeps it) in the opening hours' time zone."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(self.zone)

    def is_open(self, moment: datetime) -> bool:
        if self.openings is None:
            return True
        local = self.local(moment)
        now = local.time().replace(tzinfo=None)
        return any(o.day == local.weekday() and o.start <= now < o.end for o in self.openings)

    def next_opening(self, moment: datetime) -> datetime | None:
        """When advisers are next in (now, if open); None when always open."""
        if self.openings is None or self.is_open(moment):
            return None
        local = self.local(moment)
        for ahead in range(8):
            day = (local + timedelta(days=ahead)).date()
            for opening in self.openings:
                if opening.day != day.weekday():
                    continue
                start = datetime.combine(day, opening.start, tzinfo=self.zone)
                if start > local:
                    return start
        return None

    def describe(self) -> str:
        """'Monday to Friday 08:00 to 18:00; Saturday 09:00 to 12:00' — for customers and advisers."""
        if self.openings is None:
            return "every day, at any time"
        groups: dict[tuple[time, time], list[int]] = {}
        for opening in self.openings:
            groups.setdefault((opening.start, opening.end), []).append(opening.day)
        parts = []
        for (start, end), days in groups.items():
            parts.append(f"{_days_text(sorted(set(days)))} {_hhmm(start)} to {_hhmm(end)}")
        return "; ".join(parts)


def _hhmm(value: time) -> str:
    return "24:00" if value == time.max else value.strftime("%H:%M")


def _days_text(days: list[int]) -> str:
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    texts = [DAY_NAMES[r[0]] if len(r) == 1 else f"{DAY_NAMES[r[0]]} to {DAY_NAMES[r[-1]]}" for r in runs]
    return ", ".join(texts)
