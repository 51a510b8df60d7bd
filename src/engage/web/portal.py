"""Install the server-rendered portal (Jinja2 + htmx) on the FastAPI app."""

from __future__ import annotations

import importlib
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engage.bootstrap import Engage
from engage.web.cookies import SecureCookies
from engage.web.errors import install_error_pages, is_portal_path

STATIC_DIR = Path(__file__).parent / "static"
SESSION_COOKIE = "engage_session"
SESSION_MAX_AGE = 12 * 60 * 60

#: Page modules, each exposing `router`; later features append theirs here.
PAGE_MODULES = [
    "engage.web.pages.auth",
    "engage.web.pages.new_case",
    "engage.web.pages.queue",
    "engage.web.pages.case",
    "engage.web.pages.case_actions",
    "engage.web.pages.diagnostics",
    "engage.web.pages.sessions",
    "engage.web.pages.session_actions",
    "engage.web.pages.policy",
    "engage.web.pages.tokens",
    "engage.web.pages.notifications",
    "engage.web.pages.webhooks",
]


def install_portal(app: FastAPI, engage: Engage) -> None:
    """Add sessions, /static and the page routers to `app`."""
    app.state.engage = engage
    app.add_middleware(
        SessionMiddleware,
        secret_key=engage.secret_key(),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=engage.settings.base_url.startswith("https://"),
    )
    app.add_middleware(SecureCookies, cookie_names=(SESSION_COOKIE,))
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_api_route("/favicon.ico", favicon, include_in_schema=False)
    for name in PAGE_MODULES:
        app.include_router(importlib.import_module(name).router)
    install_error_pages(app)
    install_security_headers(app)


def favicon() -> FileResponse:
    """The site icon browsers ask for on every page."""
    return FileResponse(
        STATIC_DIR / "favicon.ico",
        media_type="image/vnd.microsoft.icon",
        headers={"Cache-Control": "public, max-age=86400"},
    )


#: Everything the portal loads is its own: no inline script, no third-party origin, no framing.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


class SecurityHeaders:
    """Add a strict Content-Security-Policy and related headers to portal responses (plain
    ASGI middleware: it only edits the response start message)."""

    HEADERS = (
        (b"content-security-policy", CSP.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
    )

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, adding the headers to a portal response."""
        if scope["type"] != "http" or not is_portal_path(scope.get("path", "")):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.HEADERS if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_security_headers(app: FastAPI) -> None:
    """Add the portal's security headers."""
    app.add_middleware(SecurityHeaders)
