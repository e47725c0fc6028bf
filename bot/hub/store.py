"""The hub's store: conversations and their messages (SQLAlchemy; SQLite by default)."""

from __future__ import annotations

from datetime import datetime, timezone
from functools import cache
from typing import Any, TypeVar

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import bindparam, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql import Select

from bot.sqlite import kept_open, set_pragmas

# Objects keep what was just written after a commit instead of reading it all back (SQLAlchemy's
# default re-loads every attribute touched afterwards: a fifth of the hub's time per turn). A
# session lives for one request or Socket.IO event; code that must see another process's change
# made since it read a row refreshes it (the router under the turn lock, the console's claim).
db = SQLAlchemy(session_options={"expire_on_commit": False})


Model = TypeVar("Model")


def get_row(model: type[Model], key: Any) -> Model | None:
    """`db.session.get(model, key)` for the paths every turn takes, at half its cost (SQLAlchemy 1.4's
    loading machinery was a tenth of the hub's time per turn): the row is read on the session's
    connection and made the session's object as if loaded (`make_transient_to_detached`), so that
    changes to it are written as an UPDATE of what changed. One already in the session is returned."""
    session = db.session
    found = session.identity_map.get(identity_key(model, key))
    if found is not None:
        return found
    statement, names = _by_key(model)
    row = session.connection().execute(statement, {"key": key}).first()
    if row is None:
        return None
    instance = model(**dict(zip(names, row)))
    make_transient_to_detached(instance)
    session.add(instance)
    return instance


@cache
def _by_key(model: type) -> tuple[Select, list[str]]:
    """The select of one row by its primary key, and the attribute each of its columns loads."""
    table = model.__table__
    (column,) = table.primary_key.columns
    names = [model.__mapper__.get_property_by_column(c).key for c in table.columns]
    return select(*table.columns).where(column == bindparam("key")), names


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def engine_options(url: str) -> dict:
    """Connection pool of the store, per process.

    SQLAlchemy 1.4 opens and closes a SQLite file for every session by default (NullPool), and
    closing the last connection to a WAL database checkpoints it: a pool that keeps connections
    open saves about 10 ms a turn. PostgreSQL: enough connections for the hub's threads, checked
    before use so that a restarted server is not an error.
    """
    if url.startswith("sqlite:///"):  # a connection per busy thread (gunicorn's 100 and Socket.IO's): never wait
        return kept_open(pool_size=4, max_overflow=200)
    if url.startswith("postgresql"):  # the server's connections are shared by every hub process
        return {"pool_size": 5, "max_overflow": 45, "pool_pre_ping": True}
    return {}


# WAL, no wait for the disk on commit, a busy timeout, foreign keys (bot/sqlite.py)
event.listen(Engine, "connect", set_pragmas)


class Conversation(db.Model):
    """One customer's chat, keyed by the id the hub issued (also Rasa's sender id)."""

    __tablename__ = "conversations"

    id = db.Column(db.String(80), primary_key=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    channel = db.Column(db.String(20), nullable=False, default="rest")
    # who answers the customer: the bot, or (after a handover) an adviser
    handled_by = db.Column(db.String(20), nullable=False, default="bot")
    last_page = db.Column(db.String(500))
    last_error_code = db.Column(db.String(80))

    messages = db.relationship(
        "Message", back_populates="conversation", order_by="Message.id", cascade="all, delete-orphan"
    )


class Message(db.Model):
    """A message in a conversation, stored after redaction."""

    __tablename__ = "messages"

    id = db.Column(db.Integer, primary_key=True)
    conversation_id = db.Column(
        db.String(80), db.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    sender = db.Column(db.String(20), nullable=False)  # customer | bot | adviser | system | page (a page view)
    text = db.Column(db.Text)
    data = db.Column(db.JSON)  # buttons, custom payloads, page metadata

    conversation = db.relationship("Conversation", back_populates="messages")

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "sender": self.sender,
            "text": self.text,
            "data": self.data or {},
            "created_at": self.created_at.isoformat() + "Z",
        }
