"""A memory-only job queue for tests and one-shot tools that have no database.

Deployments use the durable queues (adapters/jobs/database.py on SQLite, procrastinate on
PostgreSQL); this one keeps nothing across a restart. Finished futures are dropped and only
the last failures are kept, so it does not grow in a long-running process.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from engage.adapters.jobs.registry import Periodic
from engage.domain.errors import ValidationFailed

__all__ = ["InProcessJobQueue", "Periodic", "Scheduler"]

log = logging.getLogger("engage.jobs")


class InProcessJobQueue:
    """Runs jobs on worker threads; `eager=True` runs them inline (tests, CLI one-shots)."""

    def __init__(self, workers: int = 2, *, eager: bool = False) -> None:
        self._jobs: dict[str, Callable[..., None]] = {}
        self._eager = eager
        self._pool = None if eager else ThreadPoolExecutor(workers, thread_name_prefix="engage-job")
        self.futures: dict[str, Future[None]] = {}
        self.failures: deque[tuple[str, str]] = deque(maxlen=100)

    def register(self, name: str, func: Callable[..., None]) -> None:
        """Make `name` runnable."""
        self._jobs[name] = func

    def enqueue(self, name: str, **kwargs: object) -> str:
        """Run job `name` soon (now, when eager); returns a job id."""
        if name not in self._jobs:
            raise ValidationFailed(f"no job named {name!r}")
        job_id = uuid.uuid4().hex
        if self._pool is None:
            self._run(job_id, name, kwargs)
        else:
            fut = self._pool.submit(self._run, job_id, name, kwargs)
            self.futures[job_id] = fut
            fut.add_done_callback(lambda _f: self.futures.pop(job_id, None))
        return job_id

    def _run(self, job_id: str, name: str, kwargs: dict[str, object]) -> None:
        try:
            self._jobs[name](**kwargs)
        except Exception as exc:  # a failed job is logged and kept, never kills the worker
            log.exception("job %s (%s) failed", name, job_id)
            self.failures.append((name, f"{type(exc).__name__}: {exc}"))

    def wait(self, timeout: float = 60.0) -> None:
        """Wait for every job enqueued so far (tests)."""
        for fut in list(self.futures.values()):
            fut.result(timeout=timeout)

    def shutdown(self) -> None:
        """Finish running jobs and stop the threads."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)


class Scheduler:
    """Enqueues periodic jobs (reminders, retention) from a background thread."""

    def __init__(self, queue: InProcessJobQueue, periodic: list[Periodic]) -> None:
        self.queue = queue
        self.periodic = periodic
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self, now: float | None = None) -> list[str]:
        """Enqueue whatever is due; returns the names enqueued."""
        now = time.monotonic() if now is None else now
        due = [p for p in self.periodic if now - p.last >= p.every or p.last == 0.0]
        for p in due:
            p.last = now
            self.queue.enqueue(p.name)
        return [p.name for p in due]

    def start(self, interval: float = 30.0) -> None:
        """Tick every `interval` seconds until stop()."""

        def loop() -> None:
            while not self._stop.wait(interval):
                self.tick()

        self.tick()
        self._thread = threading.Thread(target=loop, name="engage-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop ticking."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
