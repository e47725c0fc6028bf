"""Insights per service (CS20) against a seeded set of conversations whose figures are known."""

from __future__ import annotations

import csv
import io

import pytest

from bot.console.present import catalogue
from bot.content import insights
from tests.content.seed import BINS, EXPECTED, TAX, seed


@pytest.fixture
def seeded(app, assistant, customer, alice):
    return seed(app, assistant, customer)  # alice is online, so handovers are queued


def test_the_figures_match_the_seeded_conversations(app, seeded):
    with app.app_context():
        items = {i.service: i for i in insights.compute(catalogue(), since=insights_since())}
    assert set(items) == {TAX, BINS}
    for service, expected in EXPECTED.items():
        item = items[service]
        for name in ("started", "completed_self", "completed_assistant", "handed_over", "ratings",
                     "average_rating"):
            assert getattr(item, name) == expected[name], (service, name)
        assert {step: n for step, _, n in item.steps} == expected["steps"]
        assert [step for step, _, _ in item.steps] == list(expected["steps"])  # in the catalogue's order
        assert {step: n for step, _, n in item.stuck} == expected["stuck"]
        assert dict(item.problems) == expected["problems"]
        assert dict(item.error_codes) == expected["error_codes"]
        assert dict(item.handover_reasons) == expected["handover_reasons"]


def insights_since():
    from datetime import timedelta

    from bot.hub.store import utcnow

    return utcnow() - timedelta(days=30)


def test_all_time_includes_the_older_conversation(app, seeded):
    with app.app_context():
        items = {i.service: i for i in insights.compute(catalogue())}
    assert items[TAX].started == 5 and items[TAX].handed_over == 3
    assert dict(items[TAX].handover_reasons)["customer_request"] == 1


def test_the_insights_page_shows_the_figures_and_charts(cara, seeded):
    page = cara.get("/console/insights?days=30").get_data(as_text=True)
    assert 'data-figure="started">4<' in page
    assert 'data-figure="completed_self">1<' in page and 'data-figure="handed_over">2<' in page
    assert "3.3 / 5 (3 ratings)" in page
    assert page.count("<svg") >= 5 and "Your council tax account" in page  # step titles on the chart
    assert "Stuck" in page or "stuck" in page
    assert "<script>" not in page and " style=" not in page and " onclick" not in page


def test_the_csv_export_has_every_figure(cara, seeded):
    response = cara.get("/console/insights.csv?days=30")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    figures = {(r["service"], r["measure"], r["item"]): r["count"] for r in rows}
    assert figures[(TAX, "started", "")] == "4"
    assert figures[(TAX, "completed_by_the_assistant", "")] == "1"
    assert figures[(TAX, "reached_step", "account")] == "2"
    assert figures[(TAX, "stuck_at_step", "card")] == "1"
    assert figures[(TAX, "error_code", "CARD_DECLINED")] == "1"
    assert figures[(TAX, "handover_reason", "system_failure")] == "1"
    assert figures[(BINS, "problem", "postcode_invalid")] == "1"
    assert figures[(BINS, "average_rating", "")] == "2.0"


@pytest.mark.parametrize("days", ["0", "ten", "99999"])
def test_a_bad_period_is_a_clear_error(cara, days):
    response = cara.get(f"/console/insights?days={days}")
    assert response.status_code == 400
    assert "days must be" in response.get_data(as_text=True)


def test_a_long_step_title_is_cut_to_fit_the_chart_and_shown_whole_on_hover():
    from bot.content.insights import bar_chart

    long = "When should it have been collected?"
    svg = str(bar_chart("How far they got", [("Started", 3), (long, 1)], total=3))
    shown = svg.split(f"<title>{long}</title>", 1)[1].split("</text>", 1)[0]
    assert shown.endswith("…") and len(shown) <= 30  # 30 characters at 13 px fit the 222-unit label column
    assert ">Started</text>" in svg  # a short one is shown as it is, with no hover title
