"""Opening hours: parsing, open or not at a moment (in the configured zone), next opening, wording."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.config import ConfigError
from bot.console.hours import OpeningHours

LONDON = OpeningHours.parse("Mon-Fri 08:00-18:00; Sat 09:00-12:30", "Europe/London")


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        (utc(2024, 1, 15, 8, 0), True),  # Monday 08:00 GMT
        (utc(2024, 1, 15, 7, 59), False),
        (utc(2024, 1, 15, 18, 0), False),  # closes at 18:00
        (utc(2024, 7, 15, 7, 30), True),  # Monday 08:30 BST
        (utc(2024, 7, 15, 17, 0), False),  # 18:00 BST
        (utc(2024, 1, 20, 12, 0), True),  # Saturday
        (utc(2024, 1, 20, 12, 30), False),
        (utc(2024, 1, 21, 12, 0), False),  # Sunday
    ],
)
def test_open_in_the_configured_time_zone(moment, open_):
    assert LONDON.is_open(moment) is open_


def test_naive_moments_are_utc_as_the_store_keeps_them():
    assert LONDON.is_open(datetime(2024, 7, 15, 7, 30)) is True


def test_the_next_opening():
    assert LONDON.next_opening(utc(2024, 1, 19, 19, 0)).isoformat() == "2024-01-20T09:00:00+00:00"
    assert LONDON.next_opening(utc(2024, 1, 20, 13, 0)).isoformat() == "2024-01-22T08:00:00+00:00"
    assert LONDON.next_opening(utc(2024, 1, 15, 10, 0)) is None  # open now


def test_the_wording_for_customers_and_advisers():
    assert LONDON.describe() == "Monday to Friday 08:00 to 18:00; Saturday 09:00 to 12:30"
    assert OpeningHours.parse("always").describe() == "every day, at any time"
    assert OpeningHours.parse("mon,wed,fri 10:00-12:00").describe() == "Monday, Wednesday, Friday 10:00 to 12:00"
    assert OpeningHours.parse("Sat-Sun 00:00-24:00").is_open(utc(2024, 1, 21, 23, 59))


@pytest.mark.parametrize(
    ("text", "zone", "says"),
    [
        ("weekdays 9-5", "UTC", "not like"),
        ("Mon-Fri 18:00-08:00", "UTC", "ends before it starts"),
        ("Funday 09:00-10:00", "UTC", "not a day"),
        ("Mon 25:00-26:00", "UTC", "not a time"),
        ("", "UTC", "empty"),
        ("always", "Mars/Olympus", "not a time zone"),
    ],
)
def test_bad_settings_are_clear_errors(text, zone, says):
    with pytest.raises(ConfigError, match=says):
        OpeningHours.parse(text, zone)


def test_a_bad_setting_stops_the_hub_at_start_up(tmp_path, assistant):
    from tests.console.conftest import console_app

    with pytest.raises(ConfigError, match="WAYFINDER_OPENING_HOURS"):
        console_app(tmp_path, assistant, WAYFINDER_OPENING_HOURS="sometimes")
    with pytest.raises(ConfigError, match="WAYFINDER_ADVISER_IDLE_MINUTES"):
        console_app(tmp_path, assistant, WAYFINDER_ADVISER_IDLE_MINUTES="soon")
