"""How Wayfinder's SQLite files are opened: the hub's store and Rasa's tracker store alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy.pool import QueuePool


def kept_open(pool_size: int, max_overflow: int) -> dict[str, Any]:
    """`create_engine` options that keep a SQLite file's connections open: SQLAlchemy 1.4 opens and
    closes the file for every session by default (NullPool), and closing the last connection to a
    WAL database checkpoints it. Connections may be used by any thread, one at a time (the pool's)."""
    return {"poolclass": QueuePool, "pool_size": pool_size, "max_overflow": max_overflow,
            "connect_args": {"check_same_thread": False}}


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
