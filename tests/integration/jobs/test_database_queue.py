"""The durable database queue on SQLite and PostgreSQL: jobs survive a restart, a runner that
died has its job run again, a periodic tick is queued once however many schedulers run, a job
that keeps failing is marked failed with its reason and can be retried."""

from __future__ import annotations

import subprocess
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, update

from engage.adapters.db import tables as t
from engage.adapters.db.secrets import shared_secret
from engage.adapters.jobs import database
from engage.adapters.jobs.database import DatabaseJobQueue
from engage.adapters.jobs.registry import Periodic


def _name() -> str:
    return f"test_{uuid.uuid4().hex[:10]}"  # the database is shared by the whole run


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def _status(engine: Engine, job_id: str) -> tuple[str, int, str]:
    with engine.connect() as conn:
        row = conn.execute(
            select(t.jobs.c.status, t.jobs.c.attempts, t.jobs.c.error).where(
                t.jobs.c.id == int(job_id)
            )
        ).one()
    return str(row.status), int(row.attempts), str(row.error)


def test_queued_and_interrupted_jobs_run_after_a_restart(migrated_engine: Engine) -> None:
    name, ran = _name(), []
    before = DatabaseJobQueue(migrated_engine)
    before.register(name, lambda n: ran.append(n))
    interrupted = before.enqueue(name, n=1)
    waiting = before.enqueue(name, n=2)
    # the first process claims job 1 and is killed mid-job (its pid no longer exists)
    before.worker = f"{database.socket.gethostname()}:{_dead_pid()}:gone"
    claimed = before.claim()
    assert claimed is not None and claimed[0] == int(interrupted)
    assert ran == []

    after = DatabaseJobQueue(migrated_engine)  # the restarted process
    after.register(name, lambda n: ran.append(n))
    assert after.recover_stalled() >= 1
    assert after.drain() >= 2
    assert sorted(ran) == [1, 2]
    assert _status(migrated_engine, interrupted)[:2] == ("done", 2)  # it ran a second time
    assert _status(migrated_engine, waiting)[:2] == ("done", 1)


def test_a_job_without_heartbeat_from_another_host_is_taken_over(migrated_engine: Engine) -> None:
    name, ran = _name(), []
    queue = DatabaseJobQueue(migrated_engine, stall_after=30)
    queue.register(name, lambda: ran.append(1))
    job_id = queue.enqueue(name)
    old = datetime.now(UTC) - timedelta(seconds=31)
    with migrated_engine.begin() as conn:
        conn.execute(
            update(t.jobs)
            .where(t.jobs.c.id == int(job_id))
            .values(status="running", worker="other-host:1:x", heartbeat_at=old, attempts=1)
        )
    queue.recover_stalled()
    queue.drain()
    assert ran == [1] and _status(migrated_engine, job_id)[0] == "done"
    # a job whose runner beats recently is left alone
    fresh = queue.enqueue(name)
    with migrated_engine.begin() as conn:
        conn.execute(
            update(t.jobs)
            .where(t.jobs.c.id == int(fresh))
            .values(status="running", worker="other-host:1:x", heartbeat_at=datetime.now(UTC))
        )
    queue.recover_stalled()
    assert _status(migrated_engine, fresh)[0] == "running"


def test_a_periodic_tick_is_queued_once_by_three_schedulers(migrated_engine: Engine) -> None:
    name = _name()
    queues = [DatabaseJobQueue(migrated_engine) for _ in range(3)]
    for q in queues:
        q.register(name, lambda: None)
    periodic = [Periodic(name, every=60)]
    now = time.time() // 60 * 60  # the start of a tick: now + 1 is the same tick (was 1 in 60)
    results: list[list[str]] = []
    threads = [
        threading.Thread(target=lambda q=q: results.append(q.schedule(periodic, now)))
        for q in queues
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(len(r) for r in results) == [0, 0, 1]
    assert sum(len(q.schedule(periodic, now + 1)) for q in queues) == 0  # same tick
    assert sum(len(q.schedule(periodic, now + 60)) for q in queues) == 1  # the next one
    with migrated_engine.connect() as conn:
        rows = conn.execute(select(t.jobs.c.lock_key).where(t.jobs.c.name == name)).all()
    assert len(rows) == 2


def test_a_failing_job_is_retried_then_failed_with_its_reason(
    migrated_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "backoff", lambda attempt: 0.0)
    name, calls, gave_up = _name(), [], []
    queue = DatabaseJobQueue(migrated_engine, max_attempts=3)

    def flaky(n: int) -> None:
        calls.append(n)
        raise ConnectionError("object store unreachable")

    queue.register(name, flaky)
    queue.on_failure(name, lambda kwargs, error: gave_up.append((kwargs, error)))
    job_id = queue.enqueue(name, n=7)
    queue.drain()
    assert calls == [7, 7, 7]
    status, attempts, error = _status(migrated_engine, job_id)
    assert (status, attempts) == ("failed", 3) and "object store unreachable" in error
    assert gave_up == [({"n": 7}, "ConnectionError: object store unreachable")]
    assert any(j.id == int(job_id) for j in queue.list_jobs("failed"))
    # an operator fixes the cause and retries it
    queue.register(name, lambda n: calls.append(-n))
    assert queue.retry(int(job_id)) and not queue.retry(int(job_id))
    queue.drain()
    assert calls[-1] == -7 and _status(migrated_engine, job_id)[0] == "done"


def test_runner_threads_run_what_another_process_queued(migrated_engine: Engine) -> None:
    name, done = _name(), threading.Event()
    web = DatabaseJobQueue(migrated_engine)  # a web process only enqueues
    web.register(name, lambda: None)
    worker = DatabaseJobQueue(migrated_engine, poll=0.05)
    worker.register(name, lambda: done.set())
    worker.start([], concurrency=2)
    try:
        web.enqueue(name)
        assert done.wait(10)
    finally:
        worker.stop()


def test_the_portal_secret_is_made_once_for_every_host(migrated_engine: Engine) -> None:
    first = shared_secret(migrated_engine, f"portal-{uuid.uuid4().hex[:6]}")
    assert len(first) >= 40
    name = f"portal-{uuid.uuid4().hex[:6]}"
    seen: list[str] = []
    threads = [
        threading.Thread(target=lambda: seen.append(shared_secret(migrated_engine, name)))
        for _ in range(4)
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(set(seen)) == 1 and seen[0] != first
