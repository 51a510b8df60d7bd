"""The embedded durable queue: jobs are rows in engage's own database (SQLite or PostgreSQL).

`engage serve` on SQLite runs this queue inside the web process; `engage worker` runs it
anywhere. A job is claimed by one runner (an UPDATE that only one can win), kept alive by a
heartbeat, and retried with backoff when it raises. A job whose runner died (its process is
gone, or its heartbeat is older than `stall_after`) is queued again, so after a restart
anything queued or interrupted runs. Every job must therefore be safe to run twice.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from engage.adapters.db import tables as t
from engage.adapters.jobs.registry import MAX_ATTEMPTS, JobRegistry, Periodic, backoff

log = logging.getLogger("engage.jobs")
J = t.jobs.c


def _now() -> datetime:
    return datetime.now(UTC)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class JobRow:
    """One job as `engage jobs list` shows it."""

    id: int
    name: str
    status: str
    attempts: int
    error: str
    created_at: datetime
    run_after: datetime
    kwargs: dict[str, Any]


class DatabaseJobQueue(JobRegistry):
    """Durable jobs in the `jobs` table; `eager=True` runs each job right after enqueueing it."""

    def __init__(
        self,
        engine: Engine,
        *,
        eager: bool = False,
        stall_after: float = 60.0,
        heartbeat_every: float = 5.0,
        poll: float = 0.5,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        super().__init__()
        self.engine = engine
        self.eager = eager
        self.stall_after = stall_after
        self.heartbeat_every = heartbeat_every
        self.poll = poll
        self.max_attempts = max_attempts
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._running: set[int] = set()
        self._mine: set[int] = set()  # eager mode runs only the jobs it enqueued itself
        self._outbox: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._local = threading.local()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- enqueueing ------------------------------------------------------------------------

    def enqueue(self, name: str, **kwargs: object) -> str:
        """Queue job `name` (run it now when eager); returns the job id ("" if held back)."""
        self.function(name)
        job_id = self._insert(self._values(name, kwargs, None))
        if self.eager and job_id is not None:
            with self._lock:
                self._mine.add(job_id)
        if self.eager and not getattr(self._local, "draining", False):
            self.drain()
        return str(job_id or "")

    def enqueue_once(self, name: str, lock_key: str, **kwargs: object) -> bool:
        """Queue job `name` unless a job with `lock_key` exists already; True if queued."""
        self.function(name)
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(t.jobs).values(**self._values(name, kwargs, lock_key)))
        except IntegrityError:
            return False
        return True

    def _values(self, name: str, kwargs: dict[str, object], lock_key: str | None) -> dict[str, Any]:
        now = _now()
        return {
            "name": name,
            "kwargs": dict(kwargs),
            "status": "queued",
            "attempts": 0,
            "max_attempts": self.max_attempts,
            "run_after": now,
            "lock_key": lock_key,
            "error": "",
            "created_at": now,
        }

    def _insert(self, values: dict[str, Any]) -> int | None:
        """Insert a job row; on a SQLite file locked by the caller's own open transaction the
        row waits in an outbox that the runner flushes once the caller has committed."""
        try:
            with self.engine.begin() as conn:
                if conn.dialect.name == "sqlite":
                    conn.exec_driver_sql("PRAGMA busy_timeout=2000")
                try:
                    row = conn.execute(insert(t.jobs).values(**values).returning(J.id)).one()
                finally:
                    if conn.dialect.name == "sqlite":
                        conn.exec_driver_sql("PRAGMA busy_timeout=30000")
            return int(row[0])
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
            with self._lock:
                self._outbox.append(values)
            return None

    def flush_outbox(self) -> None:
        """Write jobs held back by a locked database."""
        with self._lock:
            pending, self._outbox = self._outbox, []
        for values in pending:
            job_id = self._insert(values)
            if self.eager and job_id is not None:
                with self._lock:
                    self._mine.add(job_id)

    # -- running ---------------------------------------------------------------------------

    def claim(self) -> tuple[int, str, dict[str, Any], int] | None:
        """Take the oldest due job for this runner: (id, name, kwargs, attempt)."""
        with self.engine.begin() as conn:
            for _ in range(5):
                now = _now()
                q = (
                    select(J.id, J.name, J.kwargs, J.attempts)
                    .where(J.status == "queued", J.run_after <= now, J.name.in_(list(self.jobs)))
                    .order_by(J.id)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                )
                if self.eager:
                    with self._lock:
                        mine = list(self._mine)
                    q = q.where(J.id.in_(mine))
                row = conn.execute(q).first()
                if row is None:
                    return None
                won = conn.execute(
                    update(t.jobs)
                    .where(J.id == row.id, J.status == "queued")
                    .values(
                        status="running",
                        worker=self.worker,
                        heartbeat_at=now,
                        attempts=row.attempts + 1,
                    )
                )
                if won.rowcount == 1:
                    return int(row.id), str(row.name), dict(row.kwargs), int(row.attempts) + 1
        return None

    def run_one(self) -> bool:
        """Run one due job; False when none is due."""
        claimed = self.claim()
        if claimed is None:
            return False
        job_id, name, kwargs, attempt = claimed
        with self._lock:
            self._running.add(job_id)
        try:
            self.function(name)(**kwargs)
        except Exception as exc:  # a failing job is recorded and retried, never kills the runner
            log.exception("job %s (%s) failed on attempt %s", name, job_id, attempt)
            self._failed(job_id, name, kwargs, attempt, f"{type(exc).__name__}: {exc}")
        else:
            self._finish(job_id, status="done", error="")
        finally:
            with self._lock:
                self._running.discard(job_id)
        return True

    def _finish(self, job_id: int, *, status: str, error: str, retry_at: datetime | None = None):  # type: ignore[no-untyped-def]
        values: dict[str, Any] = {"status": status, "error": error[:4000], "worker": None}
        if retry_at is not None:
            values["run_after"] = retry_at
        else:
            values["finished_at"] = _now()
        with self.engine.begin() as conn:
            conn.execute(update(t.jobs).where(J.id == job_id).values(**values))

    def _failed(
        self, job_id: int, name: str, kwargs: dict[str, Any], attempt: int, error: str
    ) -> None:
        if attempt < self.max_attempts:
            retry_at = _now() + timedelta(seconds=backoff(attempt))
            self._finish(job_id, status="queued", error=error, retry_at=retry_at)
            return
        self._finish(job_id, status="failed", error=error)
        self.gave_up(name, kwargs, error)

    def drain(self, limit: int = 10_000) -> int:
        """Run due jobs in this thread until none is left (tests, eager mode); returns how many."""
        self._local.draining = True
        ran = 0
        try:
            self.flush_outbox()
            while ran < limit and self.run_one():
                ran += 1
                self.flush_outbox()
        finally:
            self._local.draining = False
        return ran

    def heartbeat(self) -> None:
        """Tell other runners that this runner's jobs are alive."""
        with self._lock:
            ids = list(self._running)
        if ids:
            with self.engine.begin() as conn:
                conn.execute(update(t.jobs).where(J.id.in_(ids)).values(heartbeat_at=_now()))

    def recover_stalled(self) -> int:
        """Queue again the running jobs whose runner is gone; returns how many."""
        now = _now()
        host = socket.gethostname()
        recovered = 0
        with self.engine.begin() as conn:
            rows = conn.execute(
                select(J.id, J.name, J.kwargs, J.worker, J.heartbeat_at, J.attempts).where(
                    J.status == "running"
                )
            ).all()
            for row in rows:
                if not self._is_stalled(row.worker or "", row.heartbeat_at, now, host):
                    continue
                given_up = row.attempts >= self.max_attempts
                conn.execute(
                    update(t.jobs)
                    .where(J.id == row.id, J.status == "running", J.worker == row.worker)
                    .values(
                        status="failed" if given_up else "queued",
                        worker=None,
                        error="its worker stopped while running it",
                        run_after=now,
                    )
                )
                if given_up:
                    self.gave_up(row.name, dict(row.kwargs), "its worker stopped while running it")
                recovered += 1
        return recovered

    def _is_stalled(self, worker: str, beat: datetime | None, now: datetime, host: str) -> bool:
        if worker == self.worker:
            return False
        w_host, _, rest = worker.partition(":")
        pid = rest.partition(":")[0]
        if w_host == host and pid.isdigit() and not _pid_alive(int(pid)):
            return True
        return beat is None or beat < now - timedelta(seconds=self.stall_after)

    def schedule(self, periodic: Iterable[Periodic], now: float | None = None) -> list[str]:
        """Queue each periodic job whose tick has come (once per tick across all processes)."""
        now = time.time() if now is None else now
        queued = []
        for p in periodic:
            if p.name not in self.jobs:
                continue
            tick = int(now // p.every)
            if self.enqueue_once(p.name, f"periodic:{p.name}:{tick}"):
                queued.append(p.name)
        return queued

    # -- the runner threads ----------------------------------------------------------------

    def start(
        self, periodic: list[Periodic] | None = None, *, concurrency: int = 2, tick: float = 5.0
    ) -> None:
        """Run jobs on `concurrency` threads, beat, recover and schedule until stop()."""
        self._stop.clear()
        self.recover_stalled()
        for i in range(concurrency):
            self._spawn(self._work_loop, f"engage-job-{i}")
        self._spawn(lambda: self._housekeeping(periodic or [], tick), "engage-jobs-house")

    def _spawn(self, target: Any, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _work_loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.flush_outbox()
                busy = self.run_one()
            except Exception:  # database unreachable for a moment: wait and try again
                log.exception("job runner error")
                busy = False
            if not busy:
                self._stop.wait(self.poll)

    def _housekeeping(self, periodic: list[Periodic], tick: float) -> None:
        last_tick = 0.0
        while not self._stop.wait(min(self.heartbeat_every, tick)):
            try:
                self.heartbeat()
                if time.monotonic() - last_tick >= tick:
                    last_tick = time.monotonic()
                    self.recover_stalled()
                    self.schedule(periodic)
            except Exception:
                log.exception("job housekeeping error")

    def stop(self, timeout: float = 30.0) -> None:
        """Stop taking jobs and wait for running ones (up to `timeout` seconds)."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=timeout)
        self._threads = []

    # -- operators -------------------------------------------------------------------------

    def list_jobs(self, status: str | None = None, limit: int = 50) -> list[JobRow]:
        """Recent jobs, newest first, optionally of one status."""
        q = select(t.jobs).order_by(J.id.desc()).limit(limit)
        if status:
            q = q.where(J.status == status)
        with self.engine.connect() as conn:
            return [
                JobRow(
                    id=r.id,
                    name=r.name,
                    status=r.status,
                    attempts=r.attempts,
                    error=r.error,
                    created_at=r.created_at,
                    run_after=r.run_after,
                    kwargs=dict(r.kwargs),
                )
                for r in conn.execute(q)
            ]

    def counts(self) -> dict[str, int]:
        """How many jobs are in each status (queue depth, failures)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(J.status, func.count()).group_by(J.status)).all()
        return {str(s): int(n) for s, n in rows}

    def retry(self, job_id: int) -> bool:
        """Queue a failed job again with fresh attempts; False if it is not failed."""
        with self.engine.begin() as conn:
            done = conn.execute(
                update(t.jobs)
                .where(J.id == job_id, J.status == "failed")
                .values(status="queued", attempts=0, run_after=_now(), finished_at=None)
            )
        return bool(done.rowcount == 1)

    def purge(self, before: datetime) -> int:
        """Delete finished (done) jobs older than `before`; returns how many."""
        with self.engine.begin() as conn:
            done = conn.execute(delete(t.jobs).where(J.status == "done", J.finished_at < before))
        return int(done.rowcount)
