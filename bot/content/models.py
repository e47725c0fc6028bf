"""The content team's tables in the hub's store: what the assistant understood, each conversation's
journey through a service (for review filters and insights), ratings and marked NLU examples."""

from __future__ import annotations

from sqlalchemy import Index, UniqueConstraint

from bot.hub.store import db, utcnow

# journey.completed
COMPLETED_SELF = "self"  # the customer reached the service's done page, or finished alone / stepped through
COMPLETED_ASSISTANT = "assistant"  # the assistant completed it for them
# journey_marks.kind
STEP, PROBLEM, ERROR_CODE = "step", "problem", "error_code"
MARK_KINDS = (STEP, PROBLEM, ERROR_CODE)


class MessageNlu(db.Model):
    """What Rasa understood of one customer message (its tracker's `parse_data`), read after the turn."""

    __tablename__ = "message_nlu"

    message_id = db.Column(db.Integer, db.ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True)
    conversation_id = db.Column(
        db.String(80), db.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    intent = db.Column(db.String(80))
    confidence = db.Column(db.Float)
    entities = db.Column(db.JSON, nullable=False, default=list)  # [{entity, value, start, end, extractor}]


class Journey(db.Model):
    """One conversation's way through a service, kept up to date turn by turn (CS20 insights)."""

    __tablename__ = "journeys"

    conversation_id = db.Column(
        db.String(80), db.ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    started_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    service = db.Column(db.String(80))  # catalogue service id, once known
    current_step = db.Column(db.String(80))
    stuck_step = db.Column(db.String(80))  # the latest step the customer was stuck at (said so, or an error)
    completed = db.Column(db.String(10))  # self | assistant
    completed_at = db.Column(db.DateTime)
    turns = db.Column(db.Integer, nullable=False, default=0)  # customer messages the assistant answered
    fallbacks = db.Column(db.Integer, nullable=False, default=0)  # … understood as nlu_fallback
    ended_in_fallback = db.Column(db.Boolean, nullable=False, default=False)  # the latest one was
    min_confidence = db.Column(db.Float)  # the least confident intent prediction
    rating = db.Column(db.Integer)  # 1-5, from the widget at the end of the chat
    rating_comment = db.Column(db.Text)
    rated_at = db.Column(db.DateTime)

    __table_args__ = (
        Index("ix_journeys_service_started", "service", "started_at"),
        Index("ix_journeys_started", "started_at"),
        # covers the insights' GROUP BY service (all time, or a range of started_at) without the table
        Index("ix_journeys_insights", "service", "started_at", "completed", "rating", "stuck_step"),
    )


class JourneyMark(db.Model):
    """A step reached, a problem met or an error code shown in one conversation (once each)."""

    __tablename__ = "journey_marks"

    id = db.Column(db.Integer, primary_key=True)
    conversation_id = db.Column(
        db.String(80), db.ForeignKey("journeys.conversation_id", ondelete="CASCADE"), nullable=False
    )
    service = db.Column(db.String(80), nullable=False)
    kind = db.Column(db.String(12), nullable=False)  # step | problem | error_code
    value = db.Column(db.String(80), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    # the conversation's start (a copy of journeys.started_at), so insights count marks without a join
    started_at = db.Column(db.DateTime)

    __table_args__ = (
        UniqueConstraint("conversation_id", "service", "kind", "value", name="uq_journey_marks_once"),
        Index("ix_journey_marks_insights", "service", "kind", "value", "started_at"),
    )


class NluSuggestion(db.Model):
    """A customer message a content editor marked as a new training example for an intent."""

    __tablename__ = "nlu_suggestions"

    id = db.Column(db.Integer, primary_key=True)
    message_id = db.Column(db.Integer, db.ForeignKey("messages.id", ondelete="CASCADE"), nullable=False,
                           index=True)
    intent = db.Column(db.String(80), nullable=False)
    example = db.Column(db.Text, nullable=False)  # Rasa's annotated example text, redacted
    created_by_id = db.Column(db.Integer, db.ForeignKey("advisers.id", ondelete="SET NULL"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    __table_args__ = (UniqueConstraint("message_id", "intent", name="uq_nlu_suggestions_once"),)
