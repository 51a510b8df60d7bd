"""ASGI guards in front of every API route: ids the database can hold, no control characters,
security headers on every API and docs response."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engage.api import problems
from engage.api.schemas.base import MAX_ID
from engage.domain.text import has_control_chars

_INT = re.compile(r"-?\d+")


def id_out_of_range(value: str) -> bool:
    """True for an integer the database cannot hold as an id (too large in either direction)."""
    return bool(_INT.fullmatch(value)) and abs(int(value)) > MAX_ID


def is_api_path(path: str) -> bool:
    """Paths the API (not the portal) answers: /api/..., the docs and the health check."""
    return path.startswith("/api/") or path in ("/docs", "/docs/oauth2-redirect", "/healthz")


class InputGuard:
    """Answer 404 for path ids no row can have and 422 for control characters in the path or
    query, before a route runs (PostgreSQL would otherwise fail on them with a 500)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the request, then pass it on or answer the problem."""
        if scope["type"] == "http" and scope.get("path", "").startswith("/api/"):
            refusal = self._refusal(scope)
            if refusal is not None:
                status, title, detail = refusal
                await problems.problem(status, title, detail, Request(scope))(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _refusal(scope: Scope) -> tuple[int, str, str] | None:
        path: str = scope.get("path", "")
        if has_control_chars(path):
            return 404, "Not found", "the path contains a control character"
        if any(id_out_of_range(part) for part in path.split("/")):
            return 404, "Not found", f"ids are whole numbers from 1 to {MAX_ID}"
        query = scope.get("query_string", b"").decode("latin-1")
        for name, value in parse_qsl(query, keep_blank_values=True):
            if has_control_chars(name) or has_control_chars(value):
                return (
                    422,
                    "Validation failed",
                    f"{name[:40]!r}: contains a NUL or other control character",
                )
            is_id = name == "id" or name.endswith("_id")
            if is_id and _INT.fullmatch(value) and not 1 <= int(value) <= MAX_ID:
                return 422, "Validation failed", f"{name}: ids are whole numbers 1-{MAX_ID}"
        return None


API_CSP = b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
# Swagger UI comes from the jsDelivr CDN and starts from an inline script FastAPI writes.
DOCS_CSP = (
    b"default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    b"style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: "
    b"https://fastapi.tiangolo.com; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)


class ApiSecurityHeaders:
    """Security headers on every API, docs and health response (the portal sets its own)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the request, then pass it on or answer the problem."""
        path = scope.get("path", "")
        if scope["type"] != "http" or not is_api_path(path):
            await self.app(scope, receive, send)
            return
        headers = (
            (b"content-security-policy", DOCS_CSP if path.startswith("/docs") else API_CSP),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
            (b"cross-origin-resource-policy", b"same-origin"),
        )

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in headers if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
