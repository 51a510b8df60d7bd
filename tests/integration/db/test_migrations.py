"""Migrations go up from empty and back down on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text
from tests.integration.conftest import BACKENDS, _drop_pg_schema, _pg_engine

from engage.adapters.db.engine import make_engine
from engage.adapters.db.migrate import downgrade, is_current, upgrade
from engage.adapters.db.tables import metadata


@pytest.fixture(params=BACKENDS)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    if request.param == "sqlite":
        return make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    schema = f"engage_mig_{uuid.uuid4().hex[:8]}"
    request.addfinalizer(lambda: _drop_pg_schema(schema))
    return _pg_engine(schema)


def test_up_from_empty_down_and_up_again(empty_engine: Engine) -> None:
    assert not is_current(empty_engine)
    upgrade(empty_engine)
    names = set(inspect(empty_engine).get_table_names())
    assert set(metadata.tables) <= names
    assert is_current(empty_engine)
    downgrade(empty_engine, "base")
    left = set(inspect(empty_engine).get_table_names()) - {"alembic_version"}
    assert not left & set(metadata.tables)
    upgrade(empty_engine)
    assert set(metadata.tables) <= set(inspect(empty_engine).get_table_names())
    empty_engine.dispose()


def test_schema_matches_the_table_definitions(empty_engine: Engine) -> None:
    """Autogenerate finds nothing to do: the migration and tables.py agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    upgrade(empty_engine)
    with empty_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    # FTS5 shadow tables on SQLite are ours too, not drift; so are procrastinate's tables
    # (its own schema, created by migration 0005 on PostgreSQL).
    diff = [
        d
        for d in diff
        if not (d[0] == "remove_table" and d[1].name.startswith("cases_fts"))
        and not (d[0] == "remove_index" and d[1].name == "ix_cases_fts")
        and not (d[0] == "remove_table" and d[1].name.startswith("procrastinate_"))
        and not (d[0] == "remove_index" and d[1].table.name.startswith("procrastinate_"))
    ]
    assert diff == []
    empty_engine.dispose()


def test_full_text_search_objects_exist(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    with empty_engine.connect() as conn:
        if empty_engine.dialect.name == "sqlite":
            found = conn.execute(
                text("SELECT name FROM sqlite_master WHERE name='cases_fts'")
            ).all()
        else:
            found = conn.execute(
                text("SELECT indexname FROM pg_indexes WHERE indexname='ix_cases_fts'")
            ).all()
    assert found
    empty_engine.dispose()
