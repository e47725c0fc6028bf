"""The console's settings: the app's config first (tests), then the environment, then SETTINGS' defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from flask import Flask

from bot.config import SETTINGS, ConfigError
from bot.console.hours import OpeningHours


def setting(app: Flask, name: str) -> str | None:
    value = app.config.get(name)
    if value in (None, ""):
        value = os.environ.get(name) or SETTINGS[name][0]
    return None if value is None else str(value)


def _positive(app: Flask, name: str) -> float:
    raw = setting(app, name)
    try:
        value = float(raw or "")
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be more than 0")
    return value


@dataclass(frozen=True)
class ConsoleSettings:
    """What the console and the handover API need, read once per app."""

    hub_token: str | None
    opening_hours: OpeningHours
    idle_minutes: float
    handover_minutes: float
    login_limit: str
    password_method: str | None  # None: werkzeug's default (scrypt); tests pass a cheaper one

    @classmethod
    def for_app(cls, app: Flask) -> ConsoleSettings:
        return cls(
            hub_token=setting(app, "WAYFINDER_HUB_TOKEN"),
            opening_hours=OpeningHours.parse(setting(app, "WAYFINDER_OPENING_HOURS") or "always",
                                             setting(app, "WAYFINDER_TIMEZONE") or "UTC"),
            idle_minutes=_positive(app, "WAYFINDER_ADVISER_IDLE_MINUTES"),
            handover_minutes=_positive(app, "WAYFINDER_HANDOVER_MINUTES"),
            login_limit=setting(app, "WAYFINDER_LOGIN_LIMIT") or "5/15minutes",
            password_method=app.config.get("WAYFINDER_PASSWORD_METHOD"),
        )


def console_settings(app: Any) -> ConsoleSettings:
    return app.extensions["wayfinder.console_settings"]
