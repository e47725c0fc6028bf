"""The console's tables in the hub's store: advisers, their sessions, handovers and callback tickets."""

from __future__ import annotations

from flask_login import UserMixin
from sqlalchemy import Index, text

from bot.hub.store import db, utcnow

ROLES = ("adviser", "supervisor", "content")
# Content editors review conversations and read insights; they never take chats (bot.content.views).
ADVISER_ROLES = ("adviser", "supervisor")
# waiting: in the queue; claimed: an adviser has it; resolved: closed with an outcome;
# callback: no adviser could take it (out of hours or nobody online), a callback was offered.
STATUSES = ("waiting", "claimed", "resolved", "callback")
OPEN_STATUSES = ("waiting", "claimed")


class Adviser(UserMixin, db.Model):
    """A person who answers customers in the console."""

    __tablename__ = "advisers"

    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(40), nullable=False, unique=True)
    display_name = db.Column(db.String(60), nullable=False)  # what the customer sees
    password_hash = db.Column(db.String(255), nullable=False)
    role = db.Column(db.String(12), nullable=False, default="adviser")
    active = db.Column(db.Boolean, nullable=False, default=True)
    available = db.Column(db.Boolean, nullable=False, default=True)  # "away" advisers get no new chats
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    # the console session this object was loaded for (set by the login manager)
    session_token: str | None = None

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"

    @property
    def is_content(self) -> bool:
        return self.role == "content"

    @property
    def is_active(self) -> bool:  # Flask-Login: a disabled account cannot sign in
        return bool(self.active)

    def get_id(self) -> str | None:  # Flask-Login keeps the session token, not the adviser id
        return self.session_token


class AdviserSession(db.Model):
    """One signed-in console session; deleting the row signs that browser out everywhere."""

    __tablename__ = "adviser_sessions"

    id = db.Column(db.Integer, primary_key=True)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    adviser_id = db.Column(db.Integer, db.ForeignKey("advisers.id", ondelete="CASCADE"), nullable=False,
                           index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_active = db.Column(db.DateTime, nullable=False, default=utcnow)  # the adviser did something
    last_seen = db.Column(db.DateTime, nullable=False, default=utcnow)  # the console was open (presence)

    adviser = db.relationship("Adviser")


class Handover(db.Model):
    """A conversation passed from the assistant to advisers, with the summary the assistant built (CS16)."""

    __tablename__ = "handovers"

    id = db.Column(db.Integer, primary_key=True)
    conversation_id = db.Column(
        db.String(80), db.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    status = db.Column(db.String(12), nullable=False, default="waiting")
    reason = db.Column(db.String(30), nullable=False)
    # the summary: goal, problem, familiarity, how far they got, what failed, what was tried
    goal = db.Column(db.String(80))  # catalogue service id
    goal_name = db.Column(db.String(200))
    problem = db.Column(db.String(80))  # catalogue problem id
    familiarity = db.Column(db.String(10))
    step_id = db.Column(db.String(80))
    step_reached = db.Column(db.String(200))
    pages_visited = db.Column(db.JSON, nullable=False, default=list)
    error_codes = db.Column(db.JSON, nullable=False, default=list)
    failure_details = db.Column(db.Text)
    tried = db.Column(db.JSON, nullable=False, default=list)
    identity_verified = db.Column(db.Boolean, nullable=False, default=False)
    customer_words = db.Column(db.JSON, nullable=False, default=list)
    # who has it and how it ended
    claimed_by_id = db.Column(db.Integer, db.ForeignKey("advisers.id"), index=True)
    claimed_at = db.Column(db.DateTime)
    resolved_by_id = db.Column(db.Integer, db.ForeignKey("advisers.id"))
    resolved_at = db.Column(db.DateTime)
    outcome = db.Column(db.String(30))
    outcome_note = db.Column(db.Text)
    handback_step = db.Column(db.String(80))

    conversation = db.relationship("Conversation")
    claimed_by = db.relationship("Adviser", foreign_keys=[claimed_by_id])
    resolved_by = db.relationship("Adviser", foreign_keys=[resolved_by_id])

    __table_args__ = (
        # One open handover per conversation, whatever two requests try at the same moment.
        Index(
            "ix_handovers_one_open_per_conversation",
            "conversation_id",
            unique=True,
            sqlite_where=text("status IN ('waiting', 'claimed')"),
            postgresql_where=text("status IN ('waiting', 'claimed')"),
        ),
        Index("ix_handovers_status_created", "status", "created_at"),
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CallbackTicket(db.Model):
    """A customer's request to be called or e-mailed back when no adviser could take the chat (CS17)."""

    __tablename__ = "callback_tickets"

    id = db.Column(db.Integer, primary_key=True)
    conversation_id = db.Column(db.String(80), db.ForeignKey("conversations.id", ondelete="SET NULL"),
                                index=True)
    handover_id = db.Column(db.Integer, db.ForeignKey("handovers.id", ondelete="SET NULL"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    name = db.Column(db.String(100), nullable=False)
    phone = db.Column(db.String(20))
    email = db.Column(db.String(254))
    preferred_time = db.Column(db.String(40), nullable=False)  # asap | morning | afternoon | ISO date-time
    status = db.Column(db.String(10), nullable=False, default="open")  # open | done
    done_by_id = db.Column(db.Integer, db.ForeignKey("advisers.id"))
    done_at = db.Column(db.DateTime)
    note = db.Column(db.Text)

    handover = db.relationship("Handover")
    done_by = db.relationship("Adviser")

    @property
    def reference(self) -> str:
        return f"CB-{self.id:05d}"
