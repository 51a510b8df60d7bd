"""Concurrent bookings on SQLite and PostgreSQL: the re-check under the lock prevents doubles.

Each test widens the race on purpose: the availability re-check is followed by a pause, so
both threads would pass it before either commits if nothing serialised them. The last test
removes the lock and shows that the same race then double-books, so these tests can fail.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest

from engage.domain.errors import EngageError
from engage.domain.sessions import SessionStatus
from engage.services import sessions as svc
from engage.services.sessions import SessionTools
from tests.integration.conftest import World

from .test_sessions_api import new_session, open_case

START = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
PAUSE = 0.3


@pytest.fixture
def slow_recheck(monkeypatch: pytest.MonkeyPatch) -> None:
    real = svc.recheck

    def recheck(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        time.sleep(PAUSE)  # both threads are now past the check unless a lock held one back
        return found

    monkeypatch.setattr(svc, "recheck", recheck)


def race(world: World, *attempts: Callable[[Any], object]) -> list[object]:
    """Run each attempt in its own thread and unit of work, released together."""
    barrier = threading.Barrier(len(attempts))

    def run(attempt: Callable[[Any], object]) -> object:
        with world.engage.uow() as uow:
            barrier.wait()
            try:
                return attempt(uow)
            except EngageError as exc:
                return exc

    with ThreadPoolExecutor(len(attempts)) as pool:
        return list(pool.map(run, attempts))


def booker(
    world: World, who: str, case_id: int, session_id: int, start: datetime, direct: bool
) -> Callable[[Any], object]:
    def attempt(uow: Any) -> object:
        return svc.book_session(
            uow,
            world.engage.clock,
            SessionTools(),
            actor=world[who].user,
            case_id=case_id,
            session_id=session_id,
            start=start,
            direct=direct,
        )

    return attempt


def booked_sessions(world: World, *case_ids: int) -> list[Any]:
    with world.engage.uow() as uow:
        return [
            r
            for c in case_ids
            for r in uow.sessions.for_case(c)
            if r.session.status is SessionStatus.BOOKED
        ]


def two_sessions_same_engineer(world: World) -> tuple[tuple[int, int], tuple[int, int]]:
    first_case, second_case = open_case(world), open_case(world, "member_a")
    first = new_session(world, first_case)["id"]
    second = new_session(world, second_case)["id"]
    return (first_case, first), (second_case, second)


@pytest.mark.usefixtures("slow_recheck")
def test_two_sessions_cannot_take_the_same_engineer_at_once(world: World) -> None:
    (c1, s1), (c2, s2) = two_sessions_same_engineer(world)
    results = race(
        world,
        booker(world, "engineer", c1, s1, START, True),
        booker(world, "engineer", c2, s2, START, True),
    )
    failures = [r for r in results if isinstance(r, EngageError)]
    assert len(failures) == 1, results
    assert failures[0].title == "Slot no longer available"
    assert len(booked_sessions(world, c1, c2)) == 1


@pytest.mark.usefixtures("slow_recheck")
def test_two_customers_picking_different_times_for_one_session(world: World) -> None:
    case_id = open_case(world)
    session = new_session(world, case_id)
    client = world["engineer"].client
    body = {"window_start": "2026-03-03T00:00:00Z", "window_end": "2026-03-05T00:00:00Z"}
    starts = client.post(
        f"/api/v1/cases/{case_id}/sessions/{session['id']}/propose", json=body
    ).json()["proposed_starts"]
    picks = [datetime.fromisoformat(s) for s in starts[:2]]
    results = race(
        world,
        booker(world, "admin_a", case_id, session["id"], picks[0], False),
        booker(world, "member_a", case_id, session["id"], picks[1], False),
    )
    assert sum(isinstance(r, EngageError) for r in results) == 1, results
    [stored] = booked_sessions(world, case_id)
    winner = next(r for r in results if not isinstance(r, EngageError))
    assert stored.session.start == winner.session.start  # type: ignore[attr-defined]


@pytest.mark.usefixtures("slow_recheck")
def test_without_the_lock_the_same_race_double_books(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sensitivity check: the race above is real, so the lock is what the tests measure."""
    from engage.adapters.db.sessions_repo import SqlSessionRepository

    monkeypatch.setattr(SqlSessionRepository, "lock_for_booking", lambda *a, **k: None)
    (c1, s1), (c2, s2) = two_sessions_same_engineer(world)
    results = race(
        world,
        booker(world, "engineer", c1, s1, START, True),
        booker(world, "engineer", c2, s2, START, True),
    )
    assert not any(isinstance(r, EngageError) for r in results), results
    assert len(booked_sessions(world, c1, c2)) == 2
