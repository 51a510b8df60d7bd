"""FastAPI dependencies as Annotated aliases: the container, the unit of work, the actor."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Request

from engage.bootstrap import Engage
from engage.domain.errors import PermissionDenied, Unauthenticated, ValidationFailed
from engage.domain.users import ApiToken, TokenScope, User
from engage.services.ports import UnitOfWork
from engage.services.tokens import Caller, authenticate_token


async def get_engage(request: Request) -> Engage:
    """The container built at start-up."""
    engage: Engage = request.app.state.engage
    return engage


def get_uow(engage: Annotated[Engage, Depends(get_engage)]) -> Iterator[UnitOfWork]:
    """A unit of work per request, rolled back unless a service committed it."""
    with engage.uow() as uow:
        yield uow


#: What a case upload token may call (its own case only): upload artifacts, read requests.
CASE_UPLOAD_ROUTES = frozenset(
    {
        ("POST", "/api/v1/cases/{case_id}/artifacts"),
        ("POST", "/api/v1/cases/{case_id}/artifacts/uploads"),
        ("GET", "/api/v1/cases/{case_id}/artifacts/uploads/{upload_id}"),
        ("PUT", "/api/v1/cases/{case_id}/artifacts/uploads/{upload_id}"),
        ("DELETE", "/api/v1/cases/{case_id}/artifacts/uploads/{upload_id}"),
        ("POST", "/api/v1/cases/{case_id}/artifacts/uploads/{upload_id}/complete"),
        ("GET", "/api/v1/cases/{case_id}/diagnostic-requests"),
        ("GET", "/api/v1/cases/{case_id}/instructions"),
        ("GET", "/api/v1/diagnostics/kinds"),
    }
)


_CASE_UPLOAD_PATTERNS = [
    (method, re.compile(re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(template))))
    for method, template in sorted(CASE_UPLOAD_ROUTES)
]


def check_token_scope(request: Request, token: ApiToken) -> None:
    """Refuse (403) what the token's scopes do not cover, whatever its user may do."""
    scopes = token.scope_set
    method = "GET" if request.method == "HEAD" else request.method
    if TokenScope.CASE_UPLOAD in scopes:
        for allowed_method, pattern in _CASE_UPLOAD_PATTERNS:
            found = pattern.fullmatch(request.url.path)
            if found and method == allowed_method:
                case_id = found.groupdict().get("case_id")
                if case_id is None or case_id == str(token.case_id):
                    return
        raise PermissionDenied(
            f"this token may only upload diagnostics to case {token.case_id} and read its requests"
        )
    if method not in ("GET", "OPTIONS") and TokenScope.WRITE not in scopes:
        raise PermissionDenied("this token is read-only (it lacks the write scope)")


def get_caller(
    request: Request,
    engage: Annotated[Engage, Depends(get_engage)],
    uow: Annotated[UnitOfWork, Depends(get_uow)],
    authorization: Annotated[str | None, Header()] = None,
) -> Caller:
    """The bearer token and its user, checked against the token's scopes; else 401/403."""
    if not authorization:
        raise Unauthenticated("send an API token: Authorization: Bearer <token>")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("use the Bearer scheme: Authorization: Bearer <token>")
    caller = authenticate_token(uow, engage.clock, token.strip())
    check_token_scope(request, caller.token)
    return caller


def get_actor(caller: Annotated[Caller, Depends(get_caller)]) -> User:
    """The user of the bearer token, or 401."""
    return caller.user


async def if_match_version(if_match: Annotated[str | None, Header()] = None) -> int | None:
    """The case version a client's If-Match names ("*" or absent means any)."""
    if if_match is None or if_match.strip() == "*":
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    _, _, version = value.rpartition("-v")
    # An ETag this server never issued matches no version: the write answers 412 (after the
    # body has been validated, so a bad body still gets its 422).
    return int(version) if version.isdigit() and len(version) < 10 else 0


async def idempotency_key(idempotency_key: Annotated[str | None, Header()] = None) -> str | None:
    """The client's Idempotency-Key header, checked for length."""
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= 200:
        raise ValidationFailed("Idempotency-Key must be 1-200 characters")
    return idempotency_key


EngageDep = Annotated[Engage, Depends(get_engage)]
UowDep = Annotated[UnitOfWork, Depends(get_uow)]
ActorDep = Annotated[User, Depends(get_actor)]
CallerDep = Annotated[Caller, Depends(get_caller)]
IfMatchDep = Annotated[int | None, Depends(if_match_version)]
IdempotencyDep = Annotated[str | None, Depends(idempotency_key)]


def etag(case_id: int, version: int) -> str:
    """The strong ETag of a case version."""
    return f'"case-{case_id}-v{version}"'
