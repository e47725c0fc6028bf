"""`POST /api/conversation/rating`: the customer's end-of-chat rating, from the widget (CS20 feedback)."""

from __future__ import annotations

import re

from flask import Blueprint, current_app, jsonify, request

from bot.content.recorder import rate
from bot.hub.redact import redact
from bot.hub.store import Conversation, db

bp = Blueprint("rating", __name__)

MAX_COMMENT_CHARS = 1000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _error(status: int, code: str, message: str, fields: dict[str, str] | None = None):
    body = {"code": code, "message": message, **({"fields": fields} if fields else {})}
    return jsonify({"error": body}), status


@bp.post("/api/conversation/rating")
def rate_conversation():
    """`Authorization: Bearer <conversation id>`, `{rating: 1-5, comment?: text}` → 201; a new rating replaces it."""
    header = request.headers.get("Authorization", "")
    candidate = header[len("Bearer "):].strip() if header.startswith("Bearer ") else None
    conversation_id = current_app.extensions["wayfinder.router"].ids.verify(candidate)
    conversation = db.session.get(Conversation, conversation_id) if conversation_id else None
    if conversation is None:
        return _error(404, "unknown_conversation", "send the id the hub gave you as a Bearer token")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _error(400, "invalid_rating", "send a JSON object {rating, comment}")
    problems: dict[str, str] = {}
    rating = body.get("rating")
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        problems["rating"] = "required: a whole number from 1 (poor) to 5 (very good)"
    comment = body.get("comment")
    if comment is not None and (not isinstance(comment, str) or len(comment) > MAX_COMMENT_CHARS):
        problems["comment"] = f"must be text of at most {MAX_COMMENT_CHARS:,} characters"
    if problems:
        return _error(400, "invalid_rating", "the rating cannot be accepted", problems)
    comment = redact(_CONTROL.sub("", comment).strip()) if comment else None
    journey = rate(conversation, rating, comment or None)
    return jsonify({"rating": journey.rating, "comment": journey.rating_comment}), 201
