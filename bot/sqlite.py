"""How Wayfinder's SQLite files are opened: the hub's store and Rasa's tracker store alike."""

from __future__ import annotations

from typing import Any


def set_pragmas(dbapi_connection: Any, connection_record: Any = None) -> None:
    """A SQLAlchemy `connect` listener. WAL lets readers and one writer work at once, and a commit
    need not wait for the disk (synchronous=NORMAL: safe against a crashed process; the last
    commits can be lost to a power cut); wait instead of failing when locked; keep foreign keys."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
