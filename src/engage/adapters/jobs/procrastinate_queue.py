"""procrastinate on PostgreSQL: the default job queue when the database is PostgreSQL.

Web processes only defer jobs; `engage worker` runs them (any number, on any hosts). Each
registered job becomes a procrastinate task with retries and exponential backoff; periodic jobs
are procrastinate periodic tasks (one defer per tick across all workers); a periodic task
re-queues the jobs of workers that stopped sending heartbeats (killed mid-job).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import procrastinate
from procrastinate import JobContext, RetryStrategy
from sqlalchemy.engine import make_url

from engage.adapters.jobs.registry import MAX_ATTEMPTS, JobRegistry, Periodic

log = logging.getLogger("engage.jobs")
STALLED_JOB = "engage_retry_stalled_jobs"


def conninfo(database_url: str) -> str:
    """A libpq connection string from an SQLAlchemy PostgreSQL URL."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def cron_for(seconds: float) -> str:
    """A cron line (seconds as the 6th column when under a minute) close to `seconds`."""
    s = max(1, int(seconds))
    if s < 60:
        return f"* * * * * */{s}"
    if s < 3600:
        return f"*/{max(1, s // 60)} * * * *"
    if s < 86400:
        return f"0 */{max(1, s // 3600)} * * *"
    return "0 0 * * *"


class ProcrastinateJobQueue(JobRegistry):
    """JobQueue on procrastinate; `run_worker` is what `engage worker` calls."""

    def __init__(self, database_url: str, *, stall_after: float = 60.0) -> None:
        super().__init__()
        self.stall_after = stall_after
        self.conninfo = conninfo(database_url)
        self.app = procrastinate.App(
            connector=procrastinate.PsycopgConnector(conninfo=self.conninfo, min_size=1, max_size=4)
        )
        self._opened = False
        self._in_worker = False
        self._open_lock = threading.Lock()
        self._tasks: dict[str, Any] = {}

    def register(self, name: str, func: Callable[..., None]) -> None:
        """Make `name` a procrastinate task with retries."""
        super().register(name, func)
        self._tasks[name] = self.app.task(
            name=name,
            pass_context=True,
            retry=RetryStrategy(max_attempts=MAX_ATTEMPTS - 1, exponential_wait=2),
        )(self._runner(name))

    def _runner(self, name: str) -> Callable[..., None]:
        def run(context: JobContext, **kwargs: Any) -> None:
            try:
                self.function(name)(**kwargs)
            except Exception as exc:
                attempts = context.job.attempts if context.job else 0
                if attempts + 1 >= MAX_ATTEMPTS:
                    self.gave_up(name, kwargs, f"{type(exc).__name__}: {exc}")
                raise

        return run

    def _open(self) -> None:
        with self._open_lock:
            # inside `engage worker` the app's async pool is open and defers go through it
            if not self._opened and not self._in_worker:
                self.app.open()
                self._opened = True

    def enqueue(self, name: str, **kwargs: object) -> str:
        """Defer job `name`; returns procrastinate's job id."""
        self.function(name)
        self._open()
        return str(self._tasks[name].defer(**kwargs))

    def close(self) -> None:
        """Close the connection pool used for deferring."""
        if self._opened:
            self.app.close()
            self._opened = False

    def add_periodic(self, periodic: list[Periodic]) -> None:
        """Declare the periodic jobs and the stalled-job recovery as periodic tasks."""
        for p in periodic:
            if p.name not in self.jobs:
                continue
            self.app.periodic(cron=cron_for(p.every), periodic_id=p.name)(
                self.app.task(name=f"periodic:{p.name}", queueing_lock=f"periodic:{p.name}")(
                    self._periodic_runner(p.name)
                )
            )
        every = max(5.0, self.stall_after / 2)
        self.app.periodic(cron=cron_for(every), periodic_id=STALLED_JOB)(
            self.app.task(name=STALLED_JOB, queueing_lock=STALLED_JOB)(self._retry_stalled)
        )

    def _periodic_runner(self, name: str) -> Callable[..., None]:
        def run(timestamp: int) -> None:
            log.info("periodic job %s (tick %s)", name, timestamp)
            self.function(name)()

        return run

    async def _retry_stalled(self, timestamp: int) -> None:
        manager = self.app.job_manager
        for job in await manager.get_stalled_jobs(seconds_since_heartbeat=self.stall_after):
            log.warning("job %s (%s) lost its worker; retrying it", job.task_name, job.id)
            await manager.retry_job(job)

    def run_worker(self, periodic: list[Periodic], *, concurrency: int = 2) -> None:
        """Run jobs until interrupted (SIGINT/SIGTERM finish running jobs first)."""
        self.add_periodic(periodic)
        self._in_worker = True
        heartbeat = max(1.0, min(10.0, self.stall_after / 4))
        self.app.run_worker(
            concurrency=concurrency,
            update_heartbeat_interval=heartbeat,
            stalled_worker_timeout=self.stall_after,
            delete_jobs="never",  # kept for `engage jobs list`; purge() removes old ones
        )

    def purge(self, before: datetime) -> int:
        """Delete succeeded jobs that finished before `before`; returns how many."""
        import psycopg

        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            cur = conn.execute(
                "DELETE FROM procrastinate_jobs WHERE status = 'succeeded' AND id IN "
                "(SELECT job_id FROM procrastinate_events WHERE type = 'succeeded' AND at < %s)",
                (before,),
            )
            return cur.rowcount

    def counts(self) -> dict[str, int]:
        """Jobs per status (queue depth, failures)."""
        self._open()
        out: dict[str, int] = {}
        for q in self.app.job_manager.list_queues():
            for status in ("todo", "doing", "succeeded", "failed", "cancelled", "aborted"):
                out[status] = out.get(status, 0) + int(q.get(status, 0) or 0)
        return out

    def list_jobs(self, status: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """Recent jobs, newest first, optionally of one status."""
        self._open()
        found = list(self.app.job_manager.list_jobs(status=status))
        found.sort(key=lambda j: j.id or 0, reverse=True)
        return [
            {
                "id": j.id,
                "name": j.task_name,
                "status": j.status,
                "attempts": j.attempts,
                "kwargs": j.task_kwargs,
                "at": j.scheduled_at or datetime.min,
            }
            for j in found[:limit]
        ]

    def retry(self, job_id: int) -> bool:
        """Queue a failed job again."""
        self._open()
        try:
            self.app.job_manager.retry_job_by_id(job_id, retry_at=datetime.now(UTC))
        except Exception as exc:  # procrastinate refuses jobs that are not failed
            log.info("retry of job %s refused: %s", job_id, exc)
            return False
        return True
