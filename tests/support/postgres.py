"""A throwaway PostgreSQL database per test module, on the server at 127.0.0.1:5432 (`make test` starts it)."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator

import psycopg2
import pytest

# The server's maintenance database and an account that may create databases (trust auth here).
ADMIN_DSN = os.environ.get("WAYFINDER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def _admin():
    try:
        connection = psycopg2.connect(ADMIN_DSN, connect_timeout=5)
    except psycopg2.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable at {ADMIN_DSN} ({exc}); `make services` starts it")
    connection.autocommit = True
    return connection


@contextlib.contextmanager
def fresh_database(prefix: str = "wayfinder_test") -> Iterator[str]:
    """Create an empty database with a unique name, yield its SQLAlchemy URL, drop it after."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = _admin()
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        base = ADMIN_DSN.rsplit("/", 1)[0]
        yield f"{base}/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
