"""The API application factory."""

from __future__ import annotations

from pathlib import Path

import fastapi.routing
from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engage import __version__
from engage.api import openapi, problems
from engage.api.guards import ApiSecurityHeaders, InputGuard
from engage.api.routes import (
    artifacts,
    cases,
    diagnostics,
    notifications,
    orgs,
    policy,
    scope,
    sessions,
    tokens,
    webhooks,
)
from engage.bootstrap import Engage

MAX_BODY = 2 * 1024 * 1024  # JSON bodies; uploads have their own streaming limits
#: Swagger UI's files, vendored from swagger-ui-dist so /docs works without internet access.
SWAGGER_DIR = Path(__file__).parent / "static" / "swagger-ui"
SWAGGER_ASSETS = "/docs/assets"


UPLOAD_PATHS = ("/artifacts", "/diagnostics/upload")  # streamed with their own caps
UPLOAD_PARTS = "/artifacts/uploads/"


class BodyLimit:
    """Refuse request bodies (API JSON, portal forms) over `limit` bytes: at once by their
    Content-Length, and by counting the bytes as they arrive (a chunked body has no length).
    Uploads stream and enforce their own caps. Plain ASGI: no per-request task or body copy.

    Past the limit the body is cut short for the app and whatever the app answers is replaced
    by the 413 (the app would only have seen a truncated body)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Apply the limit to one HTTP request."""
        path = scope.get("path", "")
        if scope["type"] != "http" or path.endswith(UPLOAD_PATHS) or UPLOAD_PARTS in path:
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length", "")
        # portal forms answer an announced oversize with their own page (web/deps.py)
        if path.startswith("/api/") and length.isdigit() and int(length) > self.limit:
            await self._refuse(scope, receive, send)
            return
        seen, over = 0, False

        async def counted() -> Message:
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request" and not over:
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    over = True
                    return {"type": "http.request", "body": b"", "more_body": False}
            return message

        async def guarded(message: Message) -> None:
            if not over:
                await send(message)
            elif message["type"] == "http.response.start":
                await self._refuse(scope, receive, send)

        await self.app(scope, counted, guarded)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problems.problem(
            413,
            "Content too large",
            f"request bodies are limited to {self.limit} bytes",
            Request(scope),
        )
        await response(scope, receive, send)


def create_api(engage: Engage) -> FastAPI:
    """A FastAPI app with every /api/v1 route, problem+json errors and /docs."""
    app = FastAPI(
        title="engage",
        version=__version__,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
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
    v1.include_router(tokens.router)
    v1.include_router(notifications.router)
    v1.include_router(webhooks.router)
    sessions.install_tools(engage)
    app.include_router(v1)

    app.add_middleware(BodyLimit, limit=MAX_BODY)
    install_docs(app)
    app.add_middleware(InputGuard)
    app.add_middleware(ApiSecurityHeaders)
    openapi.install(app)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    resolve_routes(app)
    return app


def resolve_routes(app: FastAPI) -> None:
    """Build every route's parameter models now, in the thread that makes the app.

    FastAPI 0.16x builds included routers lazily, on the first request, in whichever thread
    serves it. That build hides a pydantic UnsupportedFieldAttributeWarning (raised for every
    parameter alias) with ``warnings.catch_warnings()``, which is process-wide and not
    thread-safe: with another thread entering or leaving ``catch_warnings`` at the same time
    the warning escaped (or a filter was lost). Older FastAPI builds routes eagerly.
    """
    contexts = getattr(fastapi.routing, "iter_route_contexts", None)
    if contexts is not None:
        for _context in contexts(app.routes):
            pass


def install_docs(app: FastAPI) -> None:
    """Serve /docs (Swagger UI) entirely from engage: no CDN, no validator, local favicon."""
    app.mount(SWAGGER_ASSETS, StaticFiles(directory=SWAGGER_DIR), name="swagger-ui")

    # request.app, not a closure over `app`: FastAPI keeps endpoint callables in module-level
    # caches, and an endpoint holding its app kept every app ever made alive (tests make many).
    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=request.app.openapi_url or "/api/v1/openapi.json",
            title="engage API",
            swagger_js_url=f"{SWAGGER_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER_ASSETS}/swagger-ui.css",
            swagger_favicon_url="/favicon.ico",
            swagger_ui_parameters={"validatorUrl": None},
        )
