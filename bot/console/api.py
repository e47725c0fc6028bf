"""JSON for the console's own pages and scripts, under `/console/api/` (same session, CSRF header on changes)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, request
from flask_login import current_user

from bot.console import desk
from bot.console.models import ADVISER_ROLES, Adviser, CallbackTicket
from bot.console.present import handback_steps, queue_item, summary, ticket, transcript
from bot.console.sessions import advisers_online
from bot.hub.store import db, utcnow

bp = Blueprint("api", __name__, url_prefix="/api")


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise desk.DeskError(400, "invalid_json", "send a JSON object")
    return body


@bp.get("/me")
def me():
    return jsonify({"id": current_user.id, "username": current_user.username,
                    "display_name": current_user.display_name, "role": current_user.role,
                    "available": current_user.available})


@bp.get("/handovers")
def handovers():
    include_closed = request.args.get("closed") == "1"
    items = [queue_item(h, desk.position(h)) for h in desk.visible(current_user, include_closed)]
    return jsonify({"handovers": items, "advisers_online": advisers_online()})


@bp.get("/handovers/<int:handover_id>")
def handover(handover_id: int):
    item = desk.get_for(current_user, handover_id)
    return jsonify({"handover": summary(item), "transcript": transcript(item),
                    "handback_steps": handback_steps(item), "can_act": desk.can_act(current_user, item)})


@bp.post("/handovers/<int:handover_id>/claim")
def claim(handover_id: int):
    return jsonify({"handover": queue_item(desk.claim(current_user, handover_id), 0)})


@bp.post("/handovers/<int:handover_id>/reply")
def reply(handover_id: int):
    return jsonify(desk.reply(current_user, handover_id, _body().get("text"))), 201


@bp.post("/handovers/<int:handover_id>/handback")
def handback(handover_id: int):
    body = _body()
    item = desk.hand_back(current_user, handover_id, body.get("step"), body.get("note"))
    return jsonify({"handover": summary(item)})


@bp.post("/handovers/<int:handover_id>/resolve")
def resolve(handover_id: int):
    body = _body()
    item = desk.resolve(current_user, handover_id, body.get("outcome"), body.get("note"))
    return jsonify({"handover": summary(item)})


@bp.post("/handovers/<int:handover_id>/reassign")
def reassign(handover_id: int):
    item = desk.reassign(current_user, handover_id, _body().get("to"))
    return jsonify({"handover": queue_item(item, desk.position(item))})


@bp.get("/advisers")
def advisers():
    if not current_user.is_supervisor:
        abort(403)
    rows = (Adviser.query.filter(Adviser.active.is_(True), Adviser.role.in_(ADVISER_ROLES))
            .order_by(Adviser.display_name).all())
    return jsonify({"advisers": [{"id": a.id, "display_name": a.display_name, "role": a.role,
                                  "available": a.available} for a in rows]})


@bp.post("/availability")
def availability():
    available = _body().get("available")
    if not isinstance(available, bool):
        raise desk.DeskError(400, "invalid_availability", "send {available: true | false}")
    desk.set_available(current_user, available)
    return jsonify({"available": available})


@bp.get("/callbacks")
def callbacks():
    rows = CallbackTicket.query.order_by(CallbackTicket.created_at.desc()).limit(500).all()
    return jsonify({"callbacks": [ticket(t) for t in rows]})


@bp.post("/callbacks/<int:ticket_id>/done")
def callback_done(ticket_id: int):
    item = db.session.get(CallbackTicket, ticket_id)
    if item is None:
        raise desk.DeskError(404, "not_found", "There is no such callback ticket.")
    note = _body().get("note")
    if note is not None and (not isinstance(note, str) or len(note) > 500):
        raise desk.DeskError(400, "invalid_note", "the note must be text of at most 500 characters")
    if item.status != "open":
        raise desk.DeskError(409, "already_done", "This callback is already done.")
    item.status, item.done_by_id, item.done_at, item.note = "done", current_user.id, utcnow(), note or None
    db.session.commit()
    return jsonify({"callback": ticket(item)})
