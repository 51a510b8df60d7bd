"""The ASGI application: the API and the portal on one FastAPI app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from engage.adapters.jobs.inprocess import InProcessJobQueue, Scheduler
from engage.api.app import create_api, resolve_routes
from engage.bootstrap import Engage, build
from engage.config import Settings
from engage.web.portal import install_portal


def create_app(engage: Engage | None = None, *, scheduler: bool = False) -> FastAPI:
    """Build the container (unless given) and the app serving /api/v1, /docs and the portal.

    With `scheduler=True` (what `engage serve` does with the in-process queue) the periodic
    jobs run inside the server process; deployments with workers run `engage worker` instead.
    """
    engage = engage or build(Settings())
    app = create_api(engage)
    install_portal(app, engage)
    resolve_routes(app)  # the portal's routers too, before any request thread sees them
    if scheduler and isinstance(engage.jobs, InProcessJobQueue) and engage.periodic:
        app.router.lifespan_context = _with_scheduler(engage)
    return app


def create_served_app() -> FastAPI:
    """The factory `engage serve` hands to uvicorn: settings from the environment, scheduler on."""
    return create_app(scheduler=True)


def _with_scheduler(engage: Engage):  # type: ignore[no-untyped-def]
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        assert isinstance(engage.jobs, InProcessJobQueue)
        sched = Scheduler(engage.jobs, engage.periodic)
        sched.start()
        try:
            yield
        finally:
            sched.stop()
            engage.jobs.shutdown()

    return lifespan
