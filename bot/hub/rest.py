"""The REST front door: Rasa's REST channel shape, through the hub's router."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from bot.hub.limits import RateLimited
from bot.hub.router import BadMessage
from bot.hub.store import db

bp = Blueprint("rest", __name__)


def error(status: int, code: str, message: str):
    return jsonify({"error": {"code": code, "message": message}}), status


@bp.post("/webhooks/rest/webhook")
def webhook():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return error(400, "invalid_json", "send a JSON object: {\"sender\": ..., \"message\": ...}")
    router = current_app.extensions["wayfinder.router"]
    sender = body.get("sender")
    if sender is not None and not isinstance(sender, str):
        return error(400, "invalid_sender", "sender must be a string (the id from an earlier reply)")
    try:
        conversation = router.resume_or_start(sender)
        reply = router.customer_message(conversation, body.get("message"), body.get("metadata"))
    except RateLimited as exc:
        response, status = error(429, "rate_limited", f"too many messages; try again in {exc.retry_after} s")
        response.headers["Retry-After"] = str(exc.retry_after)
        return response, status
    except BadMessage as exc:
        db.session.rollback()
        return error(400, exc.code, str(exc))
    return jsonify([{"recipient_id": reply.conversation_id, **m} for m in reply.messages])
