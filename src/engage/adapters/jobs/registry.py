"""The one place jobs are declared: names, functions, failure hooks and periodic schedules.

Both queues (rows in the database, procrastinate on PostgreSQL) inherit from JobRegistry, so a
feature registers `name -> function` once and gets a durable job on either backend.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("engage.jobs")

FailureHook = Callable[[dict[str, object], str], None]
"""Called with a job's kwargs and its last error when it has failed for good."""

MAX_ATTEMPTS = 5


@dataclass
class Periodic:
    """A job to enqueue every `every` seconds (each tick once, however many schedulers run)."""

    name: str
    every: float
    last: float = 0.0


class UnknownJob(LookupError):
    """No job of this name is registered."""


class JobRegistry:
    """Job functions by name, with the hooks that record a job's final failure."""

    def __init__(self) -> None:
        self.jobs: dict[str, Callable[..., None]] = {}
        self.failure_hooks: dict[str, FailureHook] = {}

    def register(self, name: str, func: Callable[..., None]) -> None:
        """Make `name` runnable."""
        self.jobs[name] = func

    def on_failure(self, name: str, hook: FailureHook) -> None:
        """Run `hook(kwargs, error)` when job `name` has used up its attempts."""
        self.failure_hooks[name] = hook

    def function(self, name: str) -> Callable[..., None]:
        """The function of job `name`, or UnknownJob."""
        try:
            return self.jobs[name]
        except KeyError:
            raise UnknownJob(f"no job named {name!r}") from None

    def gave_up(self, name: str, kwargs: dict[str, object], error: str) -> None:
        """Record a final failure through the job's hook (a failing hook is only logged)."""
        hook = self.failure_hooks.get(name)
        if hook is None:
            return
        try:
            hook(kwargs, error)
        except Exception:  # the job is failed either way; do not lose the worker over it
            log.exception("failure hook of job %s failed", name)


def backoff(attempt: int) -> float:
    """Seconds to wait before retry number `attempt` (1, 2, 4, 8 ... capped at 10 minutes)."""
    return float(min(600, 2 ** max(0, attempt - 1)))
