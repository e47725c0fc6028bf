"""Schema migrations of the hub's store (Alembic): every table of the Flask-SQLAlchemy `db`.

The hub, the launcher and `wayfinder adviser` call `upgrade()` before they use the store, so
a new database gets every revision and an old one the revisions it lacks. A database that
an earlier Wayfinder made with `db.create_all()` (no `alembic_version` table yet) is stamped
at the baseline, which is exactly what create_all made, and then upgraded.

Adding a table or column: change the model, then `wayfinder db revision -m "what changed"`
writes a revision from the difference (see README, "Changing the store"). A model module
that is new must be listed in MODEL_MODULES so that Alembic sees its tables.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

# Alembic logs at INFO on import and at every step: noise in every `wayfinder` command and hub start.
logging.getLogger("alembic").setLevel(logging.WARNING)

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import Connection, Engine

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
BASELINE = "0001_baseline"
# Every module that defines tables on bot.hub.store.db; Alembic compares the store with these.
MODEL_MODULES = ("bot.hub.store", "bot.console.models", "bot.content.models")
# A PostgreSQL advisory lock, so that several hub processes starting at once migrate one at a time.
ADVISORY_LOCK_KEY = 0x57415946  # "WAYF"


def metadata() -> MetaData:
    """The metadata of every table in the hub's store (imports the model modules)."""
    for name in MODEL_MODULES:
        importlib.import_module(name)
    from bot.hub.store import db

    return db.metadata


def config(connection: Connection | None = None, url: str | None = None) -> Config:
    """Alembic's configuration for the store, on an open connection or a database URL."""
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    """The newest revision (the only head: revisions form one line)."""
    return ScriptDirectory.from_config(config()).get_current_head()


def current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the store to the newest revision; stamp a database made by create_all at the baseline first.

    All in one transaction; on PostgreSQL it first takes a transaction-level advisory lock, so
    that hub processes starting together migrate one after the other.
    """
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
        tables = set(inspect(connection).get_table_names())
        if "alembic_version" not in tables and "conversations" in tables:
            logger.info("the store predates migrations: stamping it at %s", BASELINE)
            command.stamp(config(connection), BASELINE)
        before, newest = current(connection), head()
        if before != newest:
            command.upgrade(config(connection), "head")
            logger.info("store upgraded from %s to %s", before or "empty", newest)


def add_arguments(parser) -> None:
    """The `wayfinder db` subcommands, for bot/cli.py."""
    sub = parser.add_subparsers(dest="db_command", required=True)
    sub.add_parser("upgrade", help="apply every revision the store lacks (the hub does this at start)")
    sub.add_parser("current", help="print the store's revision and the newest one")
    revision = sub.add_parser("revision", help="write a revision from the difference between models and store")
    revision.add_argument("-m", "--message", required=True, help="what changed, e.g. \"ratings table\"")
    revision.add_argument("--empty", action="store_true", help="an empty revision to fill in by hand")


def db_command(args, database_url: str) -> int:
    """`wayfinder db upgrade | current | revision -m MESSAGE` on WAYFINDER_DATABASE_URL."""
    from sqlalchemy import create_engine

    if database_url.startswith("sqlite:///"):
        Path(database_url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(database_url, future=True)
    try:
        upgrade(engine)  # `revision` compares the models with a store that has every revision
        if args.db_command == "current":
            with engine.connect() as connection:
                print(f"store: {current(connection)}  newest: {head()}")
        elif args.db_command == "revision":
            command.revision(config(url=database_url), message=args.message, autogenerate=not args.empty)
    finally:
        engine.dispose()
    return 0
