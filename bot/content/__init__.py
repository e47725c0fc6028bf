"""For content teams: what the assistant understood and where customers get stuck (review, insights, ratings)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Record every turn's journey and NLU data, and serve the rating API (console pages: bot.content.views)."""
    from bot.console.present import catalogue
    from bot.content import models  # noqa: F401  (the tables; bot/migrations creates them)
    from bot.content.rating import bp as rating_bp
    from bot.content.rating import socket_handler
    from bot.content.recorder import RecordingAssistant, record_page
    router = app.extensions["wayfinder.router"]
    router.assistant = RecordingAssistant(router.assistant, catalogue)
    router.listeners.append(lambda conversation, message: record_page(conversation, message, catalogue))
    app.register_blueprint(rating_bp)
    sockets = app.extensions["wayfinder.sockets"]
    sockets.socketio.on_event("rating", socket_handler(sockets))  # the widget's end-of-chat rating
