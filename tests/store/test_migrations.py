"""The hub store's Alembic revisions: an empty SQLite or PostgreSQL database upgraded to head has
exactly the models' schema, so a model changed without a revision fails here."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, MetaData, String, create_engine, inspect, text

from bot import migrations
from tests.support.postgres import fresh_database


def schema_differences(url: str, metadata: MetaData | None = None) -> list:
    """What `alembic revision --autogenerate` would write after `upgrade head` on the database at `url`."""
    engine = create_engine(url, future=True)
    try:
        migrations.upgrade(engine)
        with engine.connect() as connection:
            assert migrations.current(connection) == migrations.head()
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, metadata if metadata is not None else migrations.metadata())
    finally:
        engine.dispose()


@pytest.fixture
def postgres_url():
    with fresh_database("wayfinder_migrations") as url:
        yield url


def test_empty_sqlite_upgraded_to_head_matches_the_models(tmp_path):
    assert schema_differences(f"sqlite:///{tmp_path / 'hub.db'}") == []


def test_empty_postgresql_upgraded_to_head_matches_the_models(postgres_url):
    assert schema_differences(postgres_url) == []


def test_a_model_change_without_a_revision_shows_as_a_difference(tmp_path):
    changed = MetaData()
    for table in migrations.metadata().tables.values():
        table.to_metadata(changed)
    changed.tables["messages"].append_column(Column("rating", String(10)))
    differences = schema_differences(f"sqlite:///{tmp_path / 'hub.db'}", changed)
    assert [(d[0], d[2], d[3].name) for d in differences] == [("add_column", "messages", "rating")]


def test_the_revisions_form_one_line():
    script = ScriptDirectory.from_config(migrations.config())
    assert len(script.get_heads()) == 1, "two revisions share a parent: rebase yours on the newest (README)"
    assert script.get_base() == migrations.BASELINE


def test_a_store_made_by_create_all_is_stamped_and_keeps_its_data(tmp_path):
    """A hub.db from before migrations: the hub starts on it, keeps its rows and records the revision."""
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    engine = create_engine(url, future=True)
    with engine.begin() as connection:  # what create_all made: the baseline's tables, no alembic_version
        command.upgrade(migrations.config(connection), migrations.BASELINE)
        connection.execute(text("DROP TABLE alembic_version"))
        connection.execute(text("INSERT INTO conversations (id, created_at, updated_at, channel, handled_by) "
                                "VALUES ('c1', '2026-01-01', '2026-01-01', 'rest', 'bot')"))
    engine.dispose()

    assert schema_differences(url) == []
    engine = create_engine(url, future=True)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT id FROM conversations")).scalars().all() == ["c1"]
        assert "alembic_version" in inspect(connection).get_table_names()
    engine.dispose()


def test_upgrading_twice_changes_nothing(postgres_url):
    assert schema_differences(postgres_url) == []
    assert schema_differences(postgres_url) == []
