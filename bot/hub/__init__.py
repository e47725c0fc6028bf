"""The hub: customer front door, conversation router and (later) adviser console, as a Flask app."""

from __future__ import annotations

import logging
import os
from typing import Any, Mapping, Optional

from flask import Flask, jsonify

from bot.config import ConfigError, Settings
from bot.hub.ids import ConversationIds
from bot.hub.rasa_client import Assistant, RasaClient
from bot.hub.router import ConversationRouter
from bot.hub.store import db

MAX_BODY_BYTES = 64 * 1024


def create_app(config: Optional[Mapping[str, Any]] = None, assistant: Optional[Assistant] = None) -> Flask:
    """Build the hub. `config` overrides settings read from the environment; tests pass a fake assistant."""
    settings = Settings.from_env()
    app = Flask(__name__)
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
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    with app.app_context():
        db.create_all()

    if assistant is None:
        assistant = RasaClient(
            settings.rasa_url,
            token=os.environ.get("WAYFINDER_RASA_TOKEN"),
            timeout=settings.rasa_timeout,
            actions_url=settings.actions_url,
        )
    app.extensions["wayfinder.assistant"] = assistant
    app.extensions["wayfinder.router"] = ConversationRouter(assistant, ConversationIds(app.config["SECRET_KEY"]))

    from bot.hub import health, rest

    app.register_blueprint(health.bp)
    app.register_blueprint(rest.bp)
    _register_error_handlers(app)
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

    @app.errorhandler(500)
    def server_error(_):
        return jsonify({"error": {"code": "internal", "message": "something went wrong on our side"}}), 500
