"""Integration fixtures: a migrated database per backend (SQLite always, PostgreSQL when
ENGAGE_TEST_DATABASE_URL is set), and an API client with a small world of users."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, inspect, make_url, text

from engage.adapters.db.engine import make_engine
from engage.adapters.db.migrate import upgrade
from engage.adapters.db.tables import metadata
from engage.api.app import create_api
from engage.bootstrap import Engage, build
from engage.config import Settings
from engage.domain.clock import FixedClock
from engage.domain.users import Role, User
from engage.services import auth, orgs

PG_URL = os.environ.get("ENGAGE_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _pg_engine(schema: str) -> Engine:
    assert PG_URL is not None
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    # in the URL, not connect_args: containers built from Settings(database_url=str(engine.url))
    # (procrastinate's pool, a served copy of the app) then use the test's schema too
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    return make_engine(url.render_as_string(hide_password=False))


def _drop_pg_schema(schema: str) -> None:
    assert PG_URL is not None
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def _tables_to_empty(engine: Engine) -> list[str]:
    """Every table a test can write (engage's and, on PostgreSQL, procrastinate's), children
    before parents. alembic_version stays; on SQLite the full-text index follows the cases
    table through its triggers."""
    ordered = [name for name, _ in inspect(engine).get_sorted_table_and_fkc_names() if name]
    ours = [n for n in ordered if n in metadata.tables or n.startswith("procrastinate_")]
    return list(reversed(ours))


def empty_database(engine: Engine, tables: list[str]) -> None:
    """Delete every row of `tables`: the database is then as a fresh migration left it.

    DELETE, not TRUNCATE: on tables of a few rows it takes milliseconds where TRUNCATE takes
    about 60 ms on PostgreSQL (it replaces each table's files)."""
    with engine.begin() as conn:
        for name in tables:
            conn.execute(text(f'DELETE FROM "{name}"'))


@pytest.fixture(scope="session", params=BACKENDS)
def migrated_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, list[str]]]:
    """One migrated database per backend per test process (its own schema on PostgreSQL, its
    own file on SQLite; with pytest-xdist each worker has its own), and its tables."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "engage.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        yield engine, _tables_to_empty(engine)
        engine.dispose()
    else:
        schema = f"engage_test_{uuid.uuid4().hex[:10]}"
        engine = _pg_engine(schema)
        upgrade(engine)
        yield engine, _tables_to_empty(engine)
        engine.dispose()
        _drop_pg_schema(schema)


@pytest.fixture
def migrated_engine(migrated_database: tuple[Engine, list[str]]) -> Engine:
    """The migrated database, emptied before each test: every test starts as on a freshly
    migrated database (migrating once and deleting rows is what makes that cheap). Tests that
    shared one growing database got slower as it grew: opening a case notifies every support
    user, and each test adds two."""
    engine, tables = migrated_database
    empty_database(engine, tables)
    return engine


@pytest.fixture
def engage(migrated_engine: Engine, tmp_path: Path) -> Engage:
    """A container on the migrated database with a fixed clock tests can move."""
    from datetime import UTC, datetime

    from engage.adapters.jobs.database import DatabaseJobQueue

    settings = Settings(database_url=str(migrated_engine.url), data_dir=tmp_path / "data")
    return build(
        settings,
        engine=migrated_engine,
        clock=FixedClock(datetime(2026, 3, 2, 14, 0, tzinfo=UTC)),
        jobs=DatabaseJobQueue(migrated_engine, eager=True),
    )


@dataclass
class Person:
    """A user and a ready API client for them."""

    user: User
    token: str
    client: TestClient


@dataclass
class World:
    """Two customer organisations and support staff, each person with an API client."""

    engage: Engage
    app_client: TestClient
    org_a: int
    org_b: int
    people: dict[str, Person] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Person:
        return self.people[name]


def _client(app: object, token: str | None) -> TestClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return TestClient(app, headers=headers, raise_server_exceptions=True)  # type: ignore[arg-type]


@pytest.fixture
def world(engage: Engage) -> World:
    """Org A (admin, member), org B (admin), a support engineer and a support manager."""
    tag = uuid.uuid4().hex[:8]
    app = create_api(engage)
    with engage.uow() as uow:
        a = orgs.create_org(uow, engage.clock, actor=None, slug=f"a-{tag}", name="Org A")
        b = orgs.create_org(uow, engage.clock, actor=None, slug=f"b-{tag}", name="Org B")
        assert a.id is not None and b.id is not None
        w = World(engage=engage, app_client=_client(app, None), org_a=a.id, org_b=b.id)
        spec = [
            ("admin_a", Role.CUSTOMER_ADMIN, a.id),
            ("member_a", Role.CUSTOMER_MEMBER, a.id),
            ("admin_b", Role.CUSTOMER_ADMIN, b.id),
            ("engineer", Role.SUPPORT_ENGINEER, None),
            ("manager", Role.SUPPORT_MANAGER, None),
        ]
        for name, role, org_id in spec:
            user = orgs.create_user(
                uow,
                engage.clock,
                actor=None,
                email=f"{name}-{tag}@x.example",
                name=name,
                role=role,
                org_id=org_id,
            )
            token = auth.issue_token(uow, engage.clock, user=user, name="test")
            uow.commit()
            w.people[name] = Person(user=user, token=token, client=_client(app, token))
    return w
