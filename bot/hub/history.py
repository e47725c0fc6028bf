"""A conversation's history for the customer's widget: only for the holder of the signed id."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request

from bot.hub.store import Conversation, Message, db

bp = Blueprint("history", __name__)

SHOWN_SENDERS = ("customer", "bot", "adviser", "system")
MAX_HISTORY = 500


def quick_replies(buttons: Any) -> list[dict[str, str]]:
    """Rasa's socket.io shape for buttons."""
    replies = []
    for button in buttons or []:
        if isinstance(button, dict) and button.get("title") and button.get("payload"):
            replies.append({"content_type": "text", "title": str(button["title"]), "payload": str(button["payload"])})
    return replies


def for_widget(message: Message) -> dict[str, Any]:
    """One message as the widget shows it (also the `bot_uttered` payload, plus Rasa's fields)."""
    data = message.data or {}
    shown: dict[str, Any] = {
        "id": message.id,
        "sender": message.sender,
        "text": (data.get("title") or message.text) if message.sender == "customer" else message.text,
        "created_at": message.created_at.isoformat() + "Z",
    }
    if data.get("buttons"):
        shown["quick_replies"] = quick_replies(data["buttons"])
    if isinstance(data.get("custom"), dict):
        shown["custom"] = data["custom"]
    if data.get("image"):
        shown["image"] = data["image"]
    if data.get("sender_name"):
        shown["sender_name"] = str(data["sender_name"])
    return shown


def history(conversation: Conversation) -> list[dict[str, Any]]:
    """The messages the customer saw and sent, oldest first (page views and the like left out)."""
    newest = (
        Message.query.filter(Message.conversation_id == conversation.id, Message.sender.in_(SHOWN_SENDERS))
        .order_by(Message.id.desc())
        .limit(MAX_HISTORY)
        .all()
    )
    return [for_widget(m) for m in reversed(newest)]


def talking_to(conversation: Conversation) -> dict[str, str | None]:
    """Who answers the customer now: the assistant, or an adviser (with the name they gave)."""
    if conversation.handled_by == "bot":
        return {"kind": "assistant", "name": None}
    if conversation.handled_by == "queue":
        return {"kind": "queue", "name": None}  # waiting for an adviser
    adviser = (
        Message.query.filter_by(conversation_id=conversation.id, sender="adviser")
        .order_by(Message.id.desc())
        .first()
    )
    name = (adviser.data or {}).get("sender_name") if adviser else None
    return {"kind": "adviser", "name": str(name) if name else None}


def bearer_conversation() -> Conversation | None:
    """The conversation whose id (one the hub issued) the request sends as `Authorization: Bearer <id>`."""
    header = request.headers.get("Authorization", "")
    candidate = header[len("Bearer "):].strip() if header.startswith("Bearer ") else None
    conversation_id = current_app.extensions["wayfinder.router"].ids.verify(candidate)
    return db.session.get(Conversation, conversation_id) if conversation_id else None


@bp.get("/api/conversation/history")
def conversation_history():
    """`Authorization: Bearer <conversation id>` → that conversation's messages; 404 for any other id."""
    conversation = bearer_conversation()
    if conversation is None:
        body = {"error": {"code": "unknown_conversation", "message": "send the id the hub gave you as a Bearer token"}}
        return jsonify(body), 404
    return jsonify({"conversation_id": conversation.id, "talking_to": talking_to(conversation),
                    "messages": history(conversation)})
