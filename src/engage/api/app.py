"""The API application factory."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from engage import __version__
from engage.api import problems
from engage.api.routes import (
    artifacts,
    cases,
    diagnostics,
    notifications,
    orgs,
    policy,
    scope,
    sessions,
    webhooks,
)
from engage.bootstrap import Engage

MAX_BODY = 2 * 1024 * 1024  # JSON bodies; uploads have their own streaming limits


class BodyLimit:
    """Refuse JSON bodies over `limit` bytes by their Content-Length (uploads stream and
    enforce their own caps). Plain ASGI: no per-request task or body copy."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path.startswith("/api/") and "/artifacts" not in path:
            length = Headers(scope=scope).get("content-length", "")
            if length.isdigit() and int(length) > self.limit:
                response = problems.problem(
                    413,
                    "Content too large",
                    f"request bodies are limited to {self.limit} bytes",
                    Request(scope),
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_api(engage: Engage) -> FastAPI:
    """A FastAPI app with every /api/v1 route, problem+json errors and /docs."""
    app = FastAPI(
        title="engage",
        version=__version__,
        openapi_url="/api/v1/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.engage = engage
    problems.install(app)
    v1 = APIRouter(prefix="/api/v1")
    v1.include_router(cases.router)
    v1.include_router(orgs.router)
    v1.include_router(scope.router)
    v1.include_router(sessions.router)
    v1.include_router(policy.router)
    v1.include_router(diagnostics.router)
    v1.include_router(artifacts.router)
    v1.include_router(notifications.router)
    v1.include_router(webhooks.router)
    sessions.install_tools(engage)
    app.include_router(v1)

    app.add_middleware(BodyLimit, limit=MAX_BODY)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app
