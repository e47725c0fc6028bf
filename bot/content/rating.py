"""The customer's end-of-chat rating (CS20 feedback): the widget's `rating` socket event, and
`POST /api/conversation/rating` with `Authorization: Bearer <conversation id>` for other clients."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, jsonify, request

from bot.content.recorder import rate
from bot.hub.history import bearer_conversation
from bot.hub.redact import redact

bp = Blueprint("rating", __name__)

MAX_COMMENT_CHARS = 1000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class RatingProblem(ValueError):
    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("the rating cannot be accepted")
        self.fields = fields


def clean_rating(body: Any) -> tuple[int, str | None]:
    """(rating 1-5, comment or None, redacted), or RatingProblem naming each field that is wrong."""
    if not isinstance(body, dict):
        raise RatingProblem({"body": "send a JSON object {rating, comment}"})
    problems: dict[str, str] = {}
    rating = body.get("rating")
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        problems["rating"] = "required: a whole number from 1 (poor) to 5 (very good)"
    comment = body.get("comment")
    if comment is not None and (not isinstance(comment, str) or len(comment) > MAX_COMMENT_CHARS):
        problems["comment"] = f"must be text of at most {MAX_COMMENT_CHARS:,} characters"
    if problems:
        raise RatingProblem(problems)
    comment = redact(_CONTROL.sub("", comment).strip()) if comment else None
    return rating, comment or None


@bp.post("/api/conversation/rating")
def rate_conversation():
    """`{rating: 1-5, comment?: text}` → 201; a new rating replaces the earlier one."""
    conversation = bearer_conversation()
    if conversation is None:
        body = {"code": "unknown_conversation", "message": "send the id the hub gave you as a Bearer token"}
        return jsonify({"error": body}), 404
    try:
        rating, comment = clean_rating(request.get_json(silent=True))
    except RatingProblem as exc:
        body = {"code": "invalid_rating", "message": str(exc), "fields": exc.fields}
        return jsonify({"error": body}), 400
    journey = rate(conversation, rating, comment)
    return jsonify({"rating": journey.rating, "comment": journey.rating_comment}), 201


def socket_handler(sockets: Any):
    """The widget's `rating {rating, comment}` event, for the conversation its socket is bound to."""

    def rating(data: Any = None) -> dict[str, Any]:
        conversation = sockets._conversation()  # the socket's own conversation (session_request)
        if conversation is None:
            return {"ok": False, "error": "no_session", "message": "start the conversation first"}
        try:
            value, comment = clean_rating(data)
        except RatingProblem as exc:
            return {"ok": False, "error": "invalid_rating", "fields": exc.fields}
        rate(conversation, value, comment)
        return {"ok": True, "rating": value}

    return rating
