"""The ASGI application: the API and the portal on one FastAPI app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI

from engage.adapters.jobs.database import DatabaseJobQueue
from engage.api.app import create_api, resolve_routes
from engage.bootstrap import Engage, build
from engage.config import Settings
from engage.web.portal import install_portal


def create_app(engage: Engage | None = None, *, run_jobs: bool = False) -> FastAPI:
    """Build the container (unless given) and the app serving /api/v1, /docs and the portal.

    With `run_jobs=True` (what `engage serve` does with the database queue, the SQLite default)
    jobs and periodic jobs run inside the server process, durably; with procrastinate the web
    processes only enqueue and `engage worker` runs the jobs.
    """
    engage = engage or build(Settings())
    app = create_api(engage)
    install_portal(app, engage)
    resolve_routes(app)  # the portal's routers too, before any request thread sees them
    if run_jobs and isinstance(engage.jobs, DatabaseJobQueue):
        app.router.lifespan_context = _with_runner(engage, engage.jobs)
    return app


def create_served_app() -> FastAPI:
    """The factory `engage serve` hands to uvicorn: settings from the environment."""
    settings = Settings()
    return create_app(build(settings), run_jobs=settings.serve_jobs)


def _with_runner(
    engage: Engage, queue: DatabaseJobQueue
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        queue.start(engage.periodic, concurrency=engage.settings.jobs_concurrency)
        try:
            yield
        finally:
            queue.stop()
            engage.close()

    return lifespan
