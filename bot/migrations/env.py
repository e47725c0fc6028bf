"""Alembic's environment for the hub's store: runs on the connection `bot.migrations.upgrade` passes in,
or on the URL given by `wayfinder db` (WAYFINDER_DATABASE_URL by default)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from bot.migrations import metadata

target_metadata = metadata()


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        # SQLite cannot ALTER most things: batch mode copies the table instead, on SQLite only.
        render_as_batch=connection.dialect.name == "sqlite",
    )


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(context.config.get_main_option("sqlalchemy.url"), future=True)
    try:
        with engine.connect() as connection:
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported: run them on the database")
run_migrations()
