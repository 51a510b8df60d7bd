"""The API application factory."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engage import __version__
from engage.api import problems
from engage.api.routes import artifacts, cases, diagnostics, orgs, policy, scope, sessions
from engage.bootstrap import Engage

MAX_BODY = 2 * 1024 * 1024  # JSON bodies; uploads have their own streaming limits


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
    sessions.install_tools(engage)
    app.include_router(v1)

    app.add_middleware(BodyLimit, limit=MAX_BODY)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app
