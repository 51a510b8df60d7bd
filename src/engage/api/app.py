"""The API application factory."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI, Request, Response

from engage import __version__
from engage.api import problems
from engage.api.routes import artifacts, cases, diagnostics, orgs, policy, scope, sessions
from engage.bootstrap import Engage

MAX_BODY = 2 * 1024 * 1024  # JSON bodies; uploads have their own streaming limits


def create_api(engage: Engage) -> FastAPI:
    """A FastAPI app with every /api/v1 route, problem+json errors and /docs."""
    app = FastAPI(title="engage", version=__version__, openapi_url="/api/v1/openapi.json",
                  docs_url="/docs", redoc_url=None)
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
    sessions.install_tools(engage)
    app.include_router(v1)

    @app.middleware("http")
    async def _limit_body(request: Request,
                          call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        length = request.headers.get("content-length")
        if (request.url.path.startswith("/api/") and length and length.isdigit()
                and int(length) > MAX_BODY and "/artifacts" not in request.url.path):
            return problems.problem(413, "Content too large",
                                    f"request bodies are limited to {MAX_BODY} bytes", request)
        return await call_next(request)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app
