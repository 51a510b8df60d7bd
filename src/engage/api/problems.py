"""RFC 9457 problem+json for every error the API returns."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from engage.adapters.db.retry import as_domain_error, transient_kind
from engage.domain.errors import Busy, EngageError, TooManyRequests, Unauthenticated

PROBLEM = "application/problem+json"


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def problem(
    status: int,
    title: str,
    detail: str,
    request: Request,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem+json response."""
    body = {
        "type": f"urn:engage:problem:{_slug(title)}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def install(app: FastAPI) -> None:
    """Map domain errors, validation errors and HTTP errors to problem+json."""

    @app.exception_handler(EngageError)
    async def _domain(request: Request, exc: EngageError) -> JSONResponse:
        return domain_problem(request, exc)

    @app.exception_handler(StaleDataError)
    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: Exception) -> JSONResponse:
        # Last line of defence for writes outside a retried use case: a lost race is a 409 or
        # a 503 to retry, a value the database refuses (NUL, out of range) is the caller's 422.
        kind = transient_kind(exc)
        if kind is not None:
            return domain_problem(request, as_domain_error(exc, kind))
        if isinstance(exc, DataError):
            return problem(422, "Validation failed", "the database refused a value", request)
        raise exc

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        if any(e["loc"][:1] == ["path"] for e in errors):
            # A path that fits no resource (/cases/1/artifacts/uploads read as an artifact id):
            # 405 when a resource at this path has other methods, else 404.
            allow = allowed_methods(app, request)
            if allow and request.method not in allow:
                return problem(
                    405,
                    "Method not allowed",
                    "Method Not Allowed",
                    request,
                    {"Allow": ", ".join(allow)},
                )
            return problem(404, "Not found", "no resource at this path", request)
        detail = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:]) or 'body'}: {e['msg']}" for e in errors[:5]
        )
        return problem(422, "Validation failed", detail, request, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 405:
            allow = ", ".join(allowed_methods(app, request))
            return problem(405, "Method not allowed", str(exc.detail), request, {"Allow": allow})
        title = {
            404: "Not found",
            405: "Method not allowed",
            413: "Content too large",
            401: "Unauthorized",
            415: "Unsupported media type",
        }.get(exc.status_code, "Error")
        return problem(
            exc.status_code,
            title,
            str(exc.detail),
            request,
            dict(exc.headers) if exc.headers else None,
        )


def domain_problem(request: Request, exc: EngageError) -> JSONResponse:
    """The problem+json for a domain error, with the headers its status calls for."""
    headers: dict[str, str] = {}
    if isinstance(exc, Unauthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, TooManyRequests | Busy):
        headers["Retry-After"] = str(exc.retry_after)
    return problem(exc.status, exc.title, str(exc), request, headers or None)


def allowed_methods(app: FastAPI, request: Request) -> list[str]:
    """Every method the API documents at this path (Starlette names only the first route's)."""
    path = request.url.path
    matches: list[tuple[int, set[str]]] = []
    for template, ops in app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path):
            matches.append((template.count("{"), {m.upper() for m in ops if m in _HTTP_METHODS}))
    # /cases/1/artifacts/uploads also fits /cases/{id}/artifacts/{artifact_id}: the template
    # with the fewest parameters is the resource the client meant.
    fewest = min((n for n, _ in matches), default=0)
    methods = set().union(*(m for n, m in matches if n == fewest))
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


_HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}
