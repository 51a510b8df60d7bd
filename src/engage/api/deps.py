"""FastAPI dependencies as Annotated aliases: the container, the unit of work, the actor."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Request

from engage.bootstrap import Engage
from engage.domain.errors import Unauthenticated, ValidationFailed
from engage.domain.users import User
from engage.services.auth import authenticate_token
from engage.services.ports import UnitOfWork


async def get_engage(request: Request) -> Engage:
    """The container built at start-up."""
    engage: Engage = request.app.state.engage
    return engage


def get_uow(engage: Annotated[Engage, Depends(get_engage)]) -> Iterator[UnitOfWork]:
    """A unit of work per request, rolled back unless a service committed it."""
    with engage.uow() as uow:
        yield uow


def get_actor(
    uow: Annotated[UnitOfWork, Depends(get_uow)],
    authorization: Annotated[str | None, Header()] = None,
) -> User:
    """The user of the bearer token, or 401."""
    if not authorization:
        raise Unauthenticated("send an API token: Authorization: Bearer <token>")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("use the Bearer scheme: Authorization: Bearer <token>")
    return authenticate_token(uow, token.strip())


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
IfMatchDep = Annotated[int | None, Depends(if_match_version)]
IdempotencyDep = Annotated[str | None, Depends(idempotency_key)]


def etag(case_id: int, version: int) -> str:
    """The strong ETag of a case version."""
    return f'"case-{case_id}-v{version}"'
