"""Benchmark (not a test): propose and book through the services on a real database.

20 support engineers (any one of them may join: a group) and 3 customer contacts (required),
each with hours in their own zone and a few busy blocks, 31 days searched at a 15-minute step.
Prints the median and p95 of `propose_slots` (load people and busy time, search, save) and of
`book_session` (lock, re-check, save). Run: python -m tests.integration.sessions.bench_sessions
[POSTGRESQL_URL] (default: a fresh SQLite file; on PostgreSQL a schema of its own, dropped after).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, text

from engage.adapters.db.engine import make_engine
from engage.adapters.db.migrate import upgrade
from engage.bootstrap import build
from engage.config import Settings
from engage.domain.cases import Severity
from engage.domain.clock import FixedClock
from engage.domain.users import Role, User
from engage.services import availability, orgs
from engage.services import sessions as svc
from engage.services.cases import open_case

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CONTACT_ZONES = ["Europe/London", "Europe/Berlin", "America/New_York"]
ZONES = [
    "Europe/London",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Sydney",
    "America/Los_Angeles",
    "Europe/Berlin",
    "Asia/Kathmandu",
    "Pacific/Chatham",
]
WEEKDAYS = {d: [["08:00", "12:00"], ["13:00", "18:00"]] for d in ("mon", "tue", "wed", "thu")}
RUNS = 30


def _people(uow: object, clock: FixedClock, org_id: int) -> tuple[list[User], list[User]]:
    staff, contacts = [], []
    for i in range(23):
        support = i < 20
        user = orgs.create_user(
            uow,
            clock,
            actor=None,
            email=f"p{i}@bench.example",  # type: ignore[arg-type]
            name=f"P{i}",
            role=Role.SUPPORT_ENGINEER if support else Role.CUSTOMER_ADMIN,
            org_id=None if support else org_id,
        )
        (staff if support else contacts).append(user)
        assert user.id is not None
        busy = [
            (NOW + timedelta(days=d, hours=i % 9), NOW + timedelta(days=d, hours=i % 9 + 1))
            for d in range(0, 31, 2)
        ]
        uow.sessions.set_availability(
            availability.Availability(  # type: ignore[attr-defined]
                user_id=user.id,
                tz=ZONES[i % len(ZONES)] if support else CONTACT_ZONES[i - 20],
                weekly=WEEKDAYS,
                overrides={"2026-03-10": []},
                updated_at=NOW,
            )
        )
        uow.sessions.replace_busy_blocks(user.id, "manual", busy)  # type: ignore[attr-defined]
    return staff, contacts


def _timed(samples: list[float], start: float) -> None:
    samples.append((time.perf_counter() - start) * 1000)


@contextmanager
def database(url: str | None, folder: Path) -> Iterator[Engine]:
    """A fresh SQLite file, or a schema of its own on PostgreSQL (dropped afterwards)."""
    if url is None:
        engine = make_engine(f"sqlite:///{folder / 'bench.db'}")
        yield engine
        engine.dispose()
        return
    schema = f"bench_sessions_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main(url: str | None) -> None:
    """Set up, then time RUNS proposals and RUNS bookings."""
    folder = Path(tempfile.mkdtemp(prefix="engage-bench-"))
    with database(url, folder) as engine:
        run(engine, folder)


def run(engine: Engine, folder: Path) -> None:
    """Time RUNS proposals and RUNS bookings on a migrated ``engine``."""
    upgrade(engine)
    clock = FixedClock(NOW)
    engage = build(
        Settings(database_url=str(engine.url), data_dir=folder), engine=engine, clock=clock
    )
    tools = svc.SessionTools()
    with engage.uow() as uow:
        org = orgs.create_org(uow, clock, actor=None, slug=f"bench-{time.time_ns()}", name="B")
        assert org.id is not None
        staff, contacts = _people(uow, clock, org.id)
        uow.commit()
        case, _ = open_case(
            uow, clock, actor=contacts[0], title="Bench", description="d", severity=Severity.P3
        )
        assert case.id is not None
    search = availability.SlotSearch(
        window_start=NOW,
        window_end=NOW + timedelta(days=31),
        step_minutes=15,
        min_notice_minutes=0,
        groups=(tuple(u.id or 0 for u in staff),),
        count=5,
    )
    propose: list[float] = []
    book: list[float] = []
    for _ in range(RUNS):
        with engage.uow() as uow:
            record = svc.create_session(
                uow,
                clock,
                tools,
                actor=staff[0],
                case_id=case.id,
                topic="bench",
                participant_ids=[u.id or 0 for u in contacts],
            )
            started = time.perf_counter()
            record = svc.propose_slots(
                uow,
                clock,
                tools,
                actor=staff[0],
                case_id=case.id,
                session_id=record.id,
                search=search,
            )
            _timed(propose, started)
            started = time.perf_counter()
            svc.book_session(
                uow,
                clock,
                tools,
                actor=contacts[0],
                case_id=case.id,
                session_id=record.id,
                start=record.session.proposed_starts[-1],
            )
            _timed(book, started)
    for name, samples in (
        ("propose (31 days, 15 min, 23 people)", propose),
        ("book (lock + re-check + save)", book),
    ):
        p95 = statistics.quantiles(samples, n=20)[-1]
        print(
            f"{name}: median {statistics.median(samples):.1f} ms, p95 {p95:.1f} ms "
            f"({RUNS} runs, {engine.dialect.name})"
        )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
