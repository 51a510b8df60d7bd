"""`engage worker` and `engage jobs list|retry`: run the queue and look after it."""

from __future__ import annotations

import logging
import signal
import threading
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

from engage.cli.errors import fail

if TYPE_CHECKING:
    from engage.bootstrap import Engage

jobs_app = typer.Typer(
    help="Background jobs: queue depth, failures, retries.", no_args_is_help=True
)
err = Console(stderr=True)


def _check_schema(engage: Engage) -> None:
    from engage.adapters.db.migrate import is_current

    if not is_current(engage.engine):
        fail("the database has no schema yet; run `engage db upgrade` first")


def run_worker(engage: Engage, *, concurrency: int, once: bool) -> None:
    """Run the configured queue's jobs until SIGINT/SIGTERM (or, with `once`, until idle)."""
    from engage.adapters.jobs.database import DatabaseJobQueue
    from engage.adapters.jobs.procrastinate_queue import ProcrastinateJobQueue

    _check_schema(engage)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    queue = engage.jobs
    if isinstance(queue, ProcrastinateJobQueue):
        err.print(f"engage worker: procrastinate, {concurrency} at a time")
        if once:
            for p in engage.periodic:
                queue.enqueue(p.name)
            queue.app.run_worker(concurrency=concurrency, wait=False, install_signal_handlers=False)
            return
        queue.run_worker(engage.periodic, concurrency=concurrency)
        return
    if not isinstance(queue, DatabaseJobQueue):
        fail("this job queue has no worker of its own")
    if once:
        _run_once(engage, queue)
        return
    err.print(f"engage worker: database queue, {concurrency} at a time")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    queue.start(engage.periodic, concurrency=concurrency)
    stop.wait()
    err.print("stopping: finishing running jobs")
    queue.stop()


def _run_once(engage: Engage, queue: Any) -> None:
    before = queue.counts().get("failed", 0)
    for p in engage.periodic:
        queue.enqueue(p.name)
    ran = queue.drain()
    failed = queue.counts().get("failed", 0) - before
    err.print(f"ran {ran} job(s)" + (f", [red]{failed} failed[/]" if failed else ""))
    raise typer.Exit(1 if failed else 0)


def _queue(engage: Engage) -> Any:
    from engage.adapters.jobs.database import DatabaseJobQueue
    from engage.adapters.jobs.procrastinate_queue import ProcrastinateJobQueue

    if not isinstance(engage.jobs, DatabaseJobQueue | ProcrastinateJobQueue):
        fail("this job queue cannot be listed")
    return engage.jobs


@jobs_app.command("list")
def list_jobs(
    status: str = typer.Option(
        "",
        help="Only jobs in this status (queued/running/done/failed; todo/doing/... on "
        "procrastinate).",
    ),
    limit: int = typer.Option(50, min=1, max=10_000, help="How many, newest first."),
) -> None:
    """Queue depth per status and the newest jobs (failed ones with their error)."""
    from engage.bootstrap import build

    engage = build()
    _check_schema(engage)
    queue = _queue(engage)
    counts = queue.counts()
    err.print("jobs: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"))
    table = Table()
    for col in ("id", "job", "status", "attempts", "arguments", "error"):
        table.add_column(col)
    for row in queue.list_jobs(status or None, limit):
        r = row if isinstance(row, dict) else row.__dict__
        table.add_row(
            str(r["id"]),
            str(r["name"]),
            str(r["status"]),
            str(r["attempts"]),
            str(r["kwargs"]),
            str(r.get("error", ""))[:120],
        )
    Console(soft_wrap=True).print(table)


@jobs_app.command("retry")
def retry(job_id: int = typer.Argument(..., help="The id of a failed job.")) -> None:
    """Queue a failed job again."""
    from engage.bootstrap import build

    engage = build()
    _check_schema(engage)
    if not _queue(engage).retry(job_id):
        fail(f"job {job_id} is not a failed job")
    err.print(f"job {job_id} queued again")
