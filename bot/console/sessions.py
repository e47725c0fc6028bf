"""Console sign-in state: Flask-Login backed by server-side session rows, idle timeout, presence, throttling."""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from datetime import timedelta

from flask import Flask, current_app, flash, jsonify, redirect, request, session, url_for
from flask_login import LoginManager, current_user
from itsdangerous import BadSignature
from limits import parse_many
from limits.strategies import MovingWindowRateLimiter
from werkzeug.http import parse_cookie

from bot.console.models import ADVISER_ROLES, Adviser, AdviserSession, Handover
from bot.console.settings import console_settings
from bot.hub.limits import rate_limit_storage
from bot.hub.store import db, utcnow

PRESENCE_SECONDS = 90  # an adviser whose console has not been seen for this long is not online
TOUCH_SECONDS = 20  # write last_active / last_seen at most this often
ADDRESS_FACTOR = 4  # one address may fail this many times the per-username limit
ENDED = "Your session has ended. Please sign in again."
MAX_SESSION = timedelta(hours=12)  # however active, sign in again after a working day

login_manager = LoginManager()
login_manager.login_view = "console.login"
login_manager.login_message = "Please sign in to use the adviser console."
login_manager.login_message_category = "info"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def idle_limit() -> timedelta:
    return timedelta(minutes=console_settings(current_app).idle_minutes)


def signed_in(app: Flask, environ: dict) -> bool:
    """Whether a request carries a console session cookie signed by this hub with an adviser in it
    (checked without a request context or the store: for admission only, the console checks the rest)."""
    cookie = parse_cookie(environ).get(app.config.get("SESSION_COOKIE_NAME", "session"))
    serializer = app.session_interface.get_signing_serializer(app) if cookie else None
    if serializer is None:
        return False
    try:
        data = serializer.loads(cookie, max_age=int(app.permanent_session_lifetime.total_seconds()))
    except BadSignature:
        return False
    return isinstance(data, dict) and bool(data.get("_user_id"))


@login_manager.user_loader
def load_adviser(token: str) -> Adviser | None:
    """The adviser for a session token, unless the session was ended or has been idle too long."""
    if not isinstance(token, str) or not token:
        return None
    row = AdviserSession.query.filter_by(token_hash=_hash(token)).first()
    if row is None:
        return None
    now = utcnow()
    if now - row.last_active > idle_limit() or now - row.created_at > MAX_SESSION or not row.adviser.active:
        db.session.delete(row)
        db.session.commit()
        return None
    adviser = row.adviser
    adviser.session_token = token
    return adviser


@login_manager.unauthorized_handler
def unauthorized():
    """JSON callers get 401; pages go to the sign-in form (saying why when a session just ended)."""
    ended = bool(session.get("_user_id"))
    if ended:
        session.clear()
    if request.path.startswith("/console/api/"):
        return jsonify({"error": {"code": "signed_out", "message": ENDED if ended else
                                  "sign in to the adviser console first"}}), 401
    if ended:
        flash(ENDED, "info")
    else:
        flash(login_manager.login_message, "info")
    return redirect(url_for("console.login", next=request.path))


def start(adviser: Adviser) -> str:
    """A new session row for `adviser`; the token goes into the (signed) session cookie only."""
    token = secrets.token_urlsafe(32)
    # sessions nobody used within the idle limit are over: clear them out while we are here
    AdviserSession.query.filter(AdviserSession.last_active < utcnow() - idle_limit()).delete()
    db.session.add(AdviserSession(token_hash=_hash(token), adviser_id=adviser.id))
    db.session.commit()
    adviser.session_token = token
    return token


def end(token: str | None) -> str | None:
    """Delete the session row; returns its hash so live sockets of that session can be dropped."""
    if not token:
        return None
    digest = _hash(token)
    AdviserSession.query.filter_by(token_hash=digest).delete()
    db.session.commit()
    return digest


def current_session_hash() -> str | None:
    token = getattr(current_user, "session_token", None)
    return _hash(token) if token else None


def touch(active: bool) -> None:
    """Record that the console was seen (presence) and, if `active`, that the adviser did something."""
    token = getattr(current_user, "session_token", None)
    if not token:
        return
    row = AdviserSession.query.filter_by(token_hash=_hash(token)).first()
    if row is None:
        return
    now = utcnow()
    changed = False
    if (now - row.last_seen).total_seconds() >= TOUCH_SECONDS:
        row.last_seen, changed = now, True
    if active and (now - row.last_active).total_seconds() >= TOUCH_SECONDS:
        row.last_active, changed = now, True
    if changed:
        db.session.commit()


def _online_advisers():
    """Available advisers with a console open now (seen recently, not idle past the limit)."""
    now = utcnow()
    return db.session.query(Adviser.id).join(AdviserSession, AdviserSession.adviser_id == Adviser.id).filter(
        Adviser.active.is_(True),
        Adviser.available.is_(True),
        Adviser.role.in_(ADVISER_ROLES),  # content editors never take chats
        AdviserSession.last_seen > now - timedelta(seconds=PRESENCE_SECONDS),
        AdviserSession.last_active > now - idle_limit(),
    )


def advisers_online() -> int:
    return _online_advisers().distinct().count()


def advisers_free() -> int:
    """Advisers online with no chat of their own open: the next waiting customers are theirs at once."""
    busy = db.session.query(Handover.id).filter(Handover.status == "claimed", Handover.claimed_by_id == Adviser.id)
    return _online_advisers().filter(~busy.exists()).distinct().count()


class LoginThrottle:
    """Failed sign-ins per username and per address, in a moving window (the rate limits' storage)."""

    def __init__(self, app: Flask, limit: str) -> None:
        # the strategy holds its storage weakly: keep it alive here
        self.storage = rate_limit_storage(app.config.get("RATELIMIT_STORAGE_URI"))
        self.strategy = MovingWindowRateLimiter(self.storage)
        self.per_user = parse_many(limit)
        self.per_address = [type(i)(i.amount * ADDRESS_FACTOR, i.multiples) for i in self.per_user]

    def _checks(self, username: str, address: str):
        return [(item, "console-login-user", username) for item in self.per_user] + [
            (item, "console-login-address", address) for item in self.per_address
        ]

    def retry_after(self, username: str, address: str) -> int:
        """0 when a sign-in may be tried; else seconds to wait (the same whether the user exists or not)."""
        wait = 0
        for item, scope, key in self._checks(username, address):
            if not self.strategy.test(item, scope, key):
                reset_at, _ = self.strategy.get_window_stats(item, scope, key)
                wait = max(wait, math.ceil(reset_at - time.time()), 1)
        return wait

    def failed(self, username: str, address: str) -> None:
        for item, scope, key in self._checks(username, address):
            self.strategy.hit(item, scope, key)

    def succeeded(self, username: str) -> None:
        for item in self.per_user:
            self.strategy.clear(item, "console-login-user", username)
