"""Where customers get stuck (CS20), per service, computed with SQL over the hub's store: a few
GROUP BY queries over `journeys`, `journey_marks` and `handovers`, whatever the number of conversations."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import case, func

from bot.console.models import Handover
from bot.console.present import REASONS
from bot.content.models import (
    COMPLETED_ASSISTANT,
    COMPLETED_SELF,
    ERROR_CODE,
    PROBLEM,
    STEP,
    Journey,
    JourneyMark,
)
from bot.hub.store import db

TOP = 10  # problems, error codes and stuck steps shown per service


@dataclass
class ServiceInsights:
    service: str
    name: str
    started: int = 0
    completed_self: int = 0
    completed_assistant: int = 0
    handed_over: int = 0
    ratings: int = 0
    average_rating: float | None = None
    steps: list[tuple[str, str, int]] = field(default_factory=list)  # (step id, title, reached)
    stuck: list[tuple[str, str, int]] = field(default_factory=list)  # (step id, title, conversations)
    problems: list[tuple[str, int]] = field(default_factory=list)
    error_codes: list[tuple[str, int]] = field(default_factory=list)
    handover_reasons: list[tuple[str, int]] = field(default_factory=list)

    @property
    def steps_chart(self) -> list[tuple[str, int]]:
        return [(title, n) for _, title, n in self.steps]

    @property
    def stuck_chart(self) -> list[tuple[str, int]]:
        return [(title, n) for _, title, n in self.stuck]

    @property
    def handover_labels(self) -> list[tuple[str, int]]:
        return [(reason_label(reason), n) for reason, n in self.handover_reasons]


def _window(query, since: datetime | None, until: datetime | None):
    if since is not None:
        query = query.filter(Journey.started_at >= since)
    if until is not None:
        query = query.filter(Journey.started_at < until)
    return query


def compute(catalogue: Any, since: datetime | None = None, until: datetime | None = None) -> list[ServiceInsights]:
    """Every service with conversations in the window (catalogue order first), with its figures."""
    # each query reads one covering index (or the few handover rows): no lookups per conversation
    totals = _window(db.session.query(
        Journey.service,
        func.count(),
        func.sum(case((Journey.completed == COMPLETED_SELF, 1), else_=0)),
        func.sum(case((Journey.completed == COMPLETED_ASSISTANT, 1), else_=0)),
        func.count(Journey.rating),
        func.avg(Journey.rating),
    ).filter(Journey.service.isnot(None)), since, until).group_by(Journey.service).all()
    handed = dict(_window(db.session.query(Journey.service, func.count(func.distinct(Handover.conversation_id)))
                          .join(Handover, Handover.conversation_id == Journey.conversation_id)
                          .filter(Journey.service.isnot(None)), since, until).group_by(Journey.service).all())
    found: dict[str, ServiceInsights] = {}
    for service, started, alone, assisted, ratings, average in totals:
        entry = catalogue.get(service)
        found[service] = ServiceInsights(
            service, entry.name if entry else service, started, int(alone or 0), int(assisted or 0),
            handed.get(service, 0), ratings, round(float(average), 2) if average is not None else None)
    marks: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    rows = db.session.query(JourneyMark.service, JourneyMark.kind, JourneyMark.value, func.count())
    if since is not None:
        rows = rows.filter(JourneyMark.started_at >= since)
    if until is not None:
        rows = rows.filter(JourneyMark.started_at < until)
    for service, kind, value, count in rows.group_by(JourneyMark.service, JourneyMark.kind, JourneyMark.value):
        marks[(service, kind)][value] = count
    stuck: dict[str, dict[str, int]] = defaultdict(dict)
    rows = _window(db.session.query(Journey.service, Journey.stuck_step, func.count())
                   .filter(Journey.stuck_step.isnot(None), Journey.service.isnot(None)), since, until)
    for service, step, count in rows.group_by(Journey.service, Journey.stuck_step):
        stuck[service][step] = count
    reasons: dict[str, dict[str, int]] = defaultdict(dict)
    rows = _window(db.session.query(Journey.service, Handover.reason, func.count(func.distinct(Handover.conversation_id)))
                   .join(Handover, Handover.conversation_id == Journey.conversation_id)
                   .filter(Journey.service.isnot(None)), since, until)
    for service, reason, count in rows.group_by(Journey.service, Handover.reason):
        reasons[service][reason] = count
    for service_id, item in found.items():
        entry = catalogue.get(service_id)
        reached = marks.get((service_id, STEP), {})
        titles = {s.id: s.title for s in entry.steps} if entry else {}
        order = list(titles) + sorted(set(reached) - set(titles))
        item.steps = [(step, titles.get(step, step), reached.get(step, 0)) for step in order]
        item.stuck = [(step, titles.get(step, step), n) for step, n in _top(stuck.get(service_id, {}))]
        item.problems = _top(marks.get((service_id, PROBLEM), {}))
        item.error_codes = _top(marks.get((service_id, ERROR_CODE), {}))
        item.handover_reasons = _top(reasons.get(service_id, {}))
    known = [s for s in catalogue.services if s in found]
    return [found[s] for s in known + sorted(set(found) - set(known))]


def _top(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]


def as_csv(items: list[ServiceInsights]) -> str:
    """One row per figure: service, measure, item, count (a spreadsheet pivots it as it likes)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["service", "measure", "item", "count"])
    for s in items:
        for measure, value in (("started", s.started), ("completed_on_their_own", s.completed_self),
                               ("completed_by_the_assistant", s.completed_assistant),
                               ("handed_over", s.handed_over), ("ratings", s.ratings),
                               ("average_rating", "" if s.average_rating is None else s.average_rating)):
            writer.writerow([s.service, measure, "", value])
        for step, _, count in s.steps:
            writer.writerow([s.service, "reached_step", step, count])
        for step, _, count in s.stuck:
            writer.writerow([s.service, "stuck_at_step", step, count])
        for measure, rows in (("problem", s.problems), ("error_code", s.error_codes),
                              ("handover_reason", s.handover_reasons)):
            for name, count in rows:
                writer.writerow([s.service, measure, name, count])
    return out.getvalue()


def bar_chart(title: str, rows: list[tuple[str, int]], total: int | None = None) -> Markup:
    """A horizontal bar chart as inline SVG (no script, no inline style), with a text alternative."""
    if not rows:
        return Markup("")
    width, label_width, bar_height, gap = 640, 230, 22, 8
    top = max([total or 0] + [v for _, v in rows]) or 1
    height = len(rows) * (bar_height + gap) + gap
    parts = [(f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>')]
    for i, (label, value) in enumerate(rows):
        y = gap + i * (bar_height + gap)
        length = round((width - label_width - 70) * value / top)
        share = f" ({round(100 * value / total)}%)" if total else ""
        shown = _short(label)
        whole = f"<title>{escape(label)}</title>" if shown != label else ""  # the whole label on hover
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 16}" text-anchor="end" class="chart-label">'
            f"{whole}{escape(shown)}</text>"
            f'<rect x="{label_width}" y="{y}" width="{max(length, 1)}" height="{bar_height}" class="chart-bar"/>'
            f'<text x="{label_width + length + 6}" y="{y + 16}" class="chart-value">{value}{share}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _short(label: str, limit: int = 30) -> str:
    """The label cut to fit the chart's 222-unit label column at 13 px (about 7 units a character)."""
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def reason_label(reason: str) -> str:
    return REASONS.get(reason, reason)
