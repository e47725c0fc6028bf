"""`GET /healthz`: the hub's view of Rasa, the action server and its store."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.hub.store import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    state = current_app.extensions["wayfinder.assistant"].health()
    try:
        db.session.execute(text("SELECT 1"))
        state["store"] = {"ok": True}
    except SQLAlchemyError as exc:
        state["store"] = {"ok": False, "error": type(exc).__name__}
    ready = all(part.get("ok") for part in state.values())
    return jsonify({"ready": ready, **state}), 200 if ready else 503
