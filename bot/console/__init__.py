"""The adviser console: sign-in, live queue, conversation view, hand back — plugged into the hub by `init_app`."""

from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from bot.console.settings import ConsoleSettings, setting

csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    """Register the console (pages, JSON, adviser sockets) on the hub app (its tables: bot/migrations)."""
    from bot.console import models, views  # noqa: F401  (models: the console's tables)
    from bot.console.sessions import LoginThrottle, login_manager
    from bot.console.sockets import ConsoleSockets

    settings = ConsoleSettings.for_app(app)
    app.extensions["wayfinder.console_settings"] = settings
    secure = (setting(app, "WAYFINDER_HUB_URL") or "").startswith("https://")
    for key, value in {
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "WTF_CSRF_CHECK_DEFAULT": False,  # only the console's routes; the token APIs have their own check
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the (idle-limited) session
    }.items():
        app.config[key] = value  # Flask's own defaults (31-day cookies, no SameSite) are not what we want

    csrf.init_app(app)
    login_manager.init_app(app)
    app.extensions["wayfinder.login_throttle"] = LoginThrottle(app, settings.login_limit)
    app.extensions["wayfinder.console_sockets"] = ConsoleSockets(
        app, app.extensions["socketio"], app.extensions["wayfinder.router"]
    )
    app.register_blueprint(views.bp)
