"""Riverside Council online services: the demo organisation Wayfinder coaches customers through.

`create_app(config)` builds the app; nothing happens at import time. Run it with
`python -m demo_portal` (development) or `gunicorn --threads 8 'demo_portal:create_app()'`.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, jsonify, render_template, request, session
from werkzeug.exceptions import HTTPException

from .errors import ApiError, PageError
from .models import db
from .seed import seed_demo_data
from .settings import load_settings
from .validation import format_pounds

API_CODES_BY_STATUS = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "BODY_TOO_LARGE",
}
log = logging.getLogger(__name__)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the portal; `config` overrides the WAYFINDER_PORTAL_* environment."""
    app = Flask(__name__)
    app.config.from_mapping(load_settings(config))
    db.init_app(app)

    from . import api, bulky_waste, contact_details, council_tax, demo, missed_bin, parking, sign_in

    for module in (demo, sign_in, council_tax, missed_bin, parking, contact_details,
                   bulky_waste, api):
        app.register_blueprint(module.bp)

    _register_error_handlers(app)

    @app.context_processor
    def _page_globals() -> dict[str, Any]:
        return {"signed_in": bool(session.get("account")), "pounds": format_pounds}

    policy = content_security_policy(app.config.get("HUB_URL") or "")

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        return response

    with app.app_context():
        seed_demo_data()
    return app


def content_security_policy(hub_url: str) -> str:
    """No inline scripts or styles; the chat widget's script, stylesheet and socket from the hub only."""
    hub = ""
    if hub_url:
        parts = urlsplit(hub_url)
        socket_scheme = "wss" if parts.scheme == "https" else "ws"
        hub = f" {parts.scheme}://{parts.netloc}"
        connect = f"{hub} {socket_scheme}://{parts.netloc}"
    else:
        connect = ""
    return (f"default-src 'self'; script-src 'self'{hub}; style-src 'self'{hub}; "
            f"connect-src 'self'{connect}; img-src 'self' data:; font-src 'self'; object-src 'none'; "
            "base-uri 'self'; form-action 'self'; frame-ancestors 'self'")


def _is_api() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(error: ApiError):
        return jsonify(error.to_dict()), error.status

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if _is_api():
            code = API_CODES_BY_STATUS.get(error.code or 500, "BAD_REQUEST")
            return jsonify(ApiError(error.code or 500, code).to_dict()), error.code
        if error.code == 413:
            return _too_large_page()
        return render_template("error.html", status=error.code, errors=[],
                               service_id="", step_id="error"), error.code

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        db.session.rollback()
        if _is_api():
            return jsonify(ApiError(500, "INTERNAL_ERROR").to_dict()), 500
        return render_template("error.html", status=500, errors=[],
                               service_id="", step_id="error"), 500


def _too_large_page():
    """A too-large upload: the proof screen with FILE_TOO_LARGE, not a bare 413."""
    from .pages import render_step

    if request.path == "/parking/permit/proof":
        return render_step("apply_parking_permit", "proof", "parking/proof.html",
                           [PageError("FILE_TOO_LARGE", "proof-file")], status=413)
    return render_template("error.html", status=413, errors=[],
                           service_id="", step_id="error"), 413
