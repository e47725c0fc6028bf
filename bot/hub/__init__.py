"""The hub: customer front doors (Socket.IO, REST), conversation router, widget files and (later) adviser console."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask, jsonify
from werkzeug.routing import IntegerConverter

from bot import migrations
from bot.config import ConfigError, Settings
from bot.hub.capacity import SocketCapacity, raise_open_files_limit, socket_limit
from bot.hub.ids import ConversationIds
from bot.hub.limits import ConversationLimits
from bot.hub.rasa_client import Assistant, RasaClient
from bot.hub.router import ConversationRouter
from bot.hub.socket import CustomerSockets
from bot.hub.store import db, engine_options

MAX_BODY_BYTES = 64 * 1024
# Everything the hub serves but the console's pages (which set their own policy) is JSON, a
# script or a stylesheet: nothing of it may run scripts, load anything or be framed.
DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


class StoreId(IntegerConverter):
    """`<int:…>` in a URL: a number the store can hold (SQL's 64-bit integers); anything larger is a 404."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = 2**63 - 1,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def create_app(config: Mapping[str, Any] | None = None, assistant: Assistant | None = None) -> Flask:
    """Build the hub. `config` overrides settings read from the environment; tests pass a fake assistant."""
    settings = Settings.from_env()
    app = Flask(__name__)
    app.url_map.converters["int"] = StoreId  # before any route: every <int:…> in the hub is a store id
    app.config.update(
        SECRET_KEY=os.environ.get("WAYFINDER_SECRET_KEY"),
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        JSON_SORT_KEYS=False,
        WAYFINDER_SETTINGS=settings,
    )
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        raise ConfigError("WAYFINDER_SECRET_KEY is not set: start the stack with `make run`, or set it.")
    if settings.profile == "scale":  # Redis for counters, turn locks and Socket.IO; behind nginx
        from bot import scale

        scale.configure_hub(app, settings)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)

    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    db.init_app(app)
    with app.app_context():
        migrations.upgrade(db.engine)  # the store's schema: Alembic revisions in bot/migrations

    if assistant is None:
        assistant = RasaClient(
            settings.rasa_url,
            token=os.environ.get("WAYFINDER_RASA_TOKEN"),
            timeout=settings.rasa_timeout,
            actions_url=settings.actions_url,
            connections=settings.hub_threads,  # each thread may be waiting for Rasa
        )
    app.extensions["wayfinder.assistant"] = assistant
    limits = ConversationLimits(app, {"message": app.config.get("WAYFINDER_RATE_LIMIT") or settings.rate_limit})
    router = ConversationRouter(assistant, ConversationIds(app.config["SECRET_KEY"]), limits)
    if settings.profile == "scale":
        router.turns = scale.RedisTurnLocks(settings.redis_url, settings.rasa_timeout)
    app.extensions["wayfinder.router"] = router
    origins = app.config.get("WAYFINDER_ALLOWED_ORIGINS") or settings.allowed_origins
    app.extensions["wayfinder.sockets"] = CustomerSockets(app, router, origins)
    # outside Socket.IO's own middleware: open chats never take the threads everything else needs
    from bot.console import sessions as console_sessions  # (bot.console imports the hub's store)

    limit = socket_limit(settings.hub_threads)
    app.wsgi_app = SocketCapacity(  # type: ignore[method-assign]
        app.wsgi_app, limit, admit=lambda environ: console_sessions.signed_in(app, environ),
        admit_beyond=(settings.hub_threads - limit) // 2)
    raise_open_files_limit(settings.hub_threads)  # a socket per open chat: 1,024 files would not do

    from bot.hub import health, history, rest, static

    app.register_blueprint(health.bp)
    app.register_blueprint(rest.bp)
    app.register_blueprint(history.bp)
    app.register_blueprint(static.bp)
    static.check_installed()

    import bot.console
    from bot.hub import handovers

    app.register_blueprint(handovers.bp)  # POST /api/handovers, /api/callbacks (action server → hub)
    bot.console.init_app(app)  # /console, /console/api/…, Socket.IO namespace /advisers
    import bot.content

    bot.content.init_app(app)  # turn-by-turn journeys and NLU data, ratings (content review, insights)
    _register_error_handlers(app)
    _register_security_headers(app)
    logging.getLogger("bot").setLevel(logging.INFO)
    return app


def _register_error_handlers(app: Flask) -> None:
    """Every error is a short JSON body; never a stack trace."""

    @app.errorhandler(404)
    def not_found(_):
        return jsonify({"error": {"code": "not_found", "message": "no such page"}}), 404

    @app.errorhandler(405)
    def not_allowed(_):
        return jsonify({"error": {"code": "method_not_allowed", "message": "method not allowed here"}}), 405

    @app.errorhandler(413)
    def too_large(_):
        return jsonify({"error": {"code": "too_large", "message": f"body larger than {MAX_BODY_BYTES} bytes"}}), 413

    @app.errorhandler(429)
    def too_many(_):
        return jsonify({"error": {"code": "rate_limited", "message": "too many requests; try again shortly"}}), 429

    @app.errorhandler(500)
    def server_error(_):
        return jsonify({"error": {"code": "internal", "message": "something went wrong on our side"}}), 500


def _register_security_headers(app: Flask) -> None:
    """Headers on every answer (the console's blueprint sets a fuller policy for its pages first)."""

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", DEFAULT_CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response
