"""The job registry and the procrastinate adapter's pure helpers."""

from __future__ import annotations

import pytest

from engage.adapters.jobs.inprocess import InProcessJobQueue
from engage.adapters.jobs.procrastinate_queue import conninfo, cron_for
from engage.adapters.jobs.registry import JobRegistry, UnknownJob, backoff


def test_cron_lines_follow_the_interval() -> None:
    assert cron_for(2) == "* * * * * */2"
    assert cron_for(300) == "*/5 * * * *"
    assert cron_for(3600) == "0 */1 * * *"
    assert cron_for(6 * 3600) == "0 */6 * * *"
    assert cron_for(7 * 86400) == "0 0 * * *"


def test_conninfo_drops_the_sqlalchemy_driver() -> None:
    url = "postgresql+psycopg://engage:s3cret@db:5432/engage"
    assert conninfo(url) == "postgresql://engage:s3cret@db:5432/engage"


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(a) for a in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert backoff(40) == 600.0


def test_unknown_jobs_and_failing_hooks() -> None:
    reg = JobRegistry()
    with pytest.raises(UnknownJob):
        reg.function("nope")
    seen: list[str] = []
    reg.on_failure("x", lambda kwargs, error: seen.append(error))
    reg.on_failure("y", lambda kwargs, error: 1 / 0)  # type: ignore[func-returns-value]
    reg.gave_up("x", {}, "boom")
    reg.gave_up("y", {}, "boom")  # a failing hook is logged, not raised
    reg.gave_up("z", {}, "boom")  # no hook: nothing happens
    assert seen == ["boom"]


def test_the_memory_queue_forgets_finished_jobs() -> None:
    queue = InProcessJobQueue(workers=2)
    queue.register("noop", lambda: None)
    queue.register("bad", lambda: 1 / 0)  # type: ignore[func-returns-value]
    for _ in range(50):
        queue.enqueue("noop")
    for _ in range(150):
        queue.enqueue("bad")
    queue.wait()
    queue.shutdown()
    assert queue.futures == {} and len(queue.failures) == 100
