"""Error pages: HTML for the portal, while /api keeps its problem+json handlers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from engage.domain.errors import EngageError, NotFound, PermissionDenied, Unauthenticated
from engage.web.deps import CsrfFailed, SignInRequired
from engage.web.templating import render

Handler = Callable[[Request, Exception], Response | Awaitable[Response]]

_API_PREFIXES = ("/api/", "/docs", "/healthz")
_TITLES = {
    400: "Bad request",
    401: "Sign in needed",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Check your input",
}


def is_portal(request: Request) -> bool:
    """True for portal paths (everything outside the API and its docs)."""
    return is_portal_path(request.url.path)


def is_portal_path(path: str) -> bool:
    """True for portal paths, from the raw ASGI path."""
    return not path.startswith(_API_PREFIXES)


def error_page(request: Request, status: int, message: str) -> Response:
    """The portal's error page."""
    return render(
        request,
        "error.html",
        {"status": status, "message": message, "title": _TITLES.get(status, "Error")},
        status,
    )


def _status_of(exc: Exception) -> int:
    if isinstance(exc, StarletteHTTPException):
        return exc.status_code
    if isinstance(exc, RequestValidationError):
        return 422
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, Unauthenticated):
        return 401
    return exc.status if isinstance(exc, EngageError) else 500


def _message(exc: Exception, status: int) -> str:
    if status == 404:
        return "There is nothing here, or it is not yours to see."
    if isinstance(exc, StarletteHTTPException):
        return str(exc.detail)
    if isinstance(exc, RequestValidationError):
        return "Some of the values in the address or form are not valid."
    return str(exc)


def _wrap(app: FastAPI, exc_class: type[Exception]) -> None:
    previous = app.exception_handlers.get(exc_class)

    async def handler(request: Request, exc: Exception) -> Response:
        if previous is not None and not is_portal(request):
            result = previous(request, exc)
            return await result if isinstance(result, Awaitable) else result
        status = _status_of(exc)
        return error_page(request, status, _message(exc, status))

    app.add_exception_handler(exc_class, handler)


def install_error_pages(app: FastAPI) -> None:
    """Render domain, HTTP and validation errors as pages on portal paths."""
    for exc_class in (EngageError, StarletteHTTPException, RequestValidationError):
        _wrap(app, exc_class)

    async def sign_in_first(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        if request.headers.get("HX-Request"):
            # htmx would swap the login page into a fragment; ask it to navigate instead.
            return Response(status_code=204, headers={"HX-Redirect": "/login"})
        return RedirectResponse("/login?" + urlencode({"next": exc.next_url}), status_code=303)

    async def csrf_failed(request: Request, exc: Exception) -> Response:
        return error_page(request, 403, str(exc))

    app.add_exception_handler(SignInRequired, sign_in_first)
    app.add_exception_handler(CsrfFailed, csrf_failed)
