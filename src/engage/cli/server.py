"""`engage serve`, `engage worker`, `engage jobs`, `engage db upgrade`, `engage demo`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from engage.cli.errors import fail, friendly_errors

if TYPE_CHECKING:
    from engage.bootstrap import Engage

db_app = typer.Typer(help="Database schema commands.", no_args_is_help=True)
err = Console(stderr=True)


def _engage() -> Engage:
    from engage.bootstrap import build

    return build()


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to bind."),
    port: int = typer.Option(8000, help="Port to bind."),
    workers: int = typer.Option(1, help="Worker processes."),
    reload: bool = typer.Option(False, help="Reload on code changes (development)."),
    forwarded_allow_ips: str = typer.Option(
        "127.0.0.1",
        envvar="FORWARDED_ALLOW_IPS",
        help="Proxies whose X-Forwarded-Proto/For to trust (comma-separated, or '*').",
    ),
) -> None:
    """Serve the portal and the API (uvicorn)."""
    import uvicorn

    from engage.adapters.db.migrate import is_current

    engage = _engage()
    if not is_current(engage.engine):
        fail("the database has no schema yet; run `engage db upgrade` first")
    from engage.adapters.jobs.database import DatabaseJobQueue

    if not (isinstance(engage.jobs, DatabaseJobQueue) and engage.settings.serve_jobs):
        err.print("jobs (upload checks, analysis, reminders) run in `engage worker`: start one")
    err.print(f"engage serving on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    uvicorn.run(
        "engage.server:create_served_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        log_level="info",
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
    )


def worker(
    concurrency: int = typer.Option(2, min=1, max=64, help="Jobs run at the same time."),
    once: bool = typer.Option(
        False, help="Queue every periodic job once, run everything due, then exit."
    ),
) -> None:
    """Run jobs and periodic jobs (any number of workers, on any hosts)."""
    from engage.cli.jobs import run_worker

    run_worker(_engage(), concurrency=concurrency, once=once)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Create or migrate the database schema (SQLite file or PostgreSQL)."""
    from engage.adapters.db.migrate import upgrade

    engage = _engage()
    try:
        upgrade(engage.engine, revision)
    except Exception as exc:  # the database driver's own message is the useful part
        fail(f"migration failed: {exc}")
    err.print(
        f"database at {engage.engine.url.render_as_string(hide_password=True)} "
        f"is at revision {revision}"
    )


def demo() -> None:
    """Load a demo organisation, people, tokens and cases; print how to sign in."""
    from engage.adapters.db.migrate import is_current
    from engage.services.demo import load_demo

    engage = _engage()
    if not is_current(engage.engine):
        fail("the database has no schema yet; run `engage db upgrade` first")
    with friendly_errors():
        info = load_demo(engage.uow(), engage.clock)
    table = Table(title="engage demo: sign in at " + engage.settings.base_url + "/login")
    table.add_column("e-mail")
    table.add_column("role")
    table.add_column("password")
    for email, role in info.users:
        table.add_row(email, role, info.password)
    out = Console(soft_wrap=True)
    out.print(table)
    for email, token in info.tokens.items():
        out.print(f"API token for {email}: [bold]{token}[/]")
    out.print(
        f"CLI: export ENGAGE_URL={engage.settings.base_url} ENGAGE_TOKEN=<a token above>"
        "; engage case list"
    )


def register(app: typer.Typer) -> None:
    """Add the server commands to the root app."""
    app.command()(serve)
    app.command()(demo)
    app.command()(worker)
    app.add_typer(db_app, name="db")
    from engage.cli.jobs import jobs_app

    app.add_typer(jobs_app, name="jobs")
