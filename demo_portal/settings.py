"""Configuration of the portal: defaults, environment variables, and what tests pass in."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MAX_UPLOAD_REQUEST_BYTES = 3 * 1024 * 1024  # a little over the 2 MB file limit
API_MAX_BODY_BYTES = 64 * 1024

log = logging.getLogger(__name__)


def _default_database_url() -> str:
    url = os.environ.get("WAYFINDER_PORTAL_DATABASE_URL")
    if url:
        return url
    var = PROJECT_ROOT / "var"
    var.mkdir(exist_ok=True)
    return f"sqlite:///{var / 'portal.db'}"


def load_settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The app's configuration: `overrides` first, then WAYFINDER_PORTAL_* variables."""
    overrides = dict(overrides or {})
    env = os.environ
    settings: dict[str, Any] = {
        "PORTAL_TOKEN": env.get("WAYFINDER_PORTAL_TOKEN") or None,
        "SECRET_KEY": env.get("WAYFINDER_PORTAL_SECRET_KEY") or None,
        "SLOW_SECONDS": float(env.get("WAYFINDER_PORTAL_SLOW_SECONDS", "10")),
        # Where the chat widget comes from (every page embeds it; empty = no widget).
        "HUB_URL": env.get("WAYFINDER_HUB_URL", "http://127.0.0.1:8000").rstrip("/"),
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        "MAX_CONTENT_LENGTH": MAX_UPLOAD_REQUEST_BYTES,
        "API_MAX_BODY_BYTES": API_MAX_BODY_BYTES,
        # The hub runs on the same host: a cookie name of our own keeps the two apart.
        "SESSION_COOKIE_NAME": "riverside_session",
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_HTTPONLY": True,
    }
    settings.update(overrides)
    if not settings.get("SQLALCHEMY_DATABASE_URI"):
        settings["SQLALCHEMY_DATABASE_URI"] = _default_database_url()
    if settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        options = settings.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        options.setdefault("connect_args", {}).setdefault("timeout", 30)
    if not settings.get("SECRET_KEY"):
        settings["SECRET_KEY"] = secrets.token_hex(32)
        log.warning(
            "WAYFINDER_PORTAL_SECRET_KEY is not set: using a random key for this process. "
            "Sessions and identity tokens will not survive a restart or be shared between "
            "worker processes; set it for anything but a single development process."
        )
    settings["SLOW_SECONDS"] = float(settings["SLOW_SECONDS"])
    return settings
