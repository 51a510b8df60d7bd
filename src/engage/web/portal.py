"""Install the server-rendered portal (Jinja2 + htmx) on the FastAPI app."""

from __future__ import annotations

import importlib
import os
import secrets
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engage.bootstrap import Engage
from engage.config import Settings
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
    "engage.web.pages.policy",
    "engage.web.pages.notifications",
    "engage.web.pages.webhooks",
]


def session_secret(settings: Settings) -> str:
    """The key that signs session cookies: the configured one, else one kept in the data dir.

    Keeping a generated key on disk (mode 0600) means sign-ins survive a restart and every
    worker process of one deployment agrees on it.
    """
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker won the race; use its key
        return path.read_text().strip()
    with os.fdopen(fd, "w") as out:
        out.write(key)
    return key


def install_portal(app: FastAPI, engage: Engage) -> None:
    """Add sessions, /static and the page routers to `app`."""
    app.state.engage = engage
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(engage.settings),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=engage.settings.base_url.startswith("https://"),
    )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for name in PAGE_MODULES:
        app.include_router(importlib.import_module(name).router)
    install_error_pages(app)
    install_security_headers(app)


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
