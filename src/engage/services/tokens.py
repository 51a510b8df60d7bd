"""API tokens: create (the secret is shown once), list, revoke, expire, scope, authenticate."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from engage.domain.errors import NotFound, PermissionDenied, Unauthenticated, ValidationFailed
from engage.domain.text import check_plain_text
from engage.domain.users import ApiToken, Role, TokenScope, User
from engage.services.access import visible_case, visible_user
from engage.services.ports import Clock, UnitOfWork

TOKEN_PREFIX = "eng_"
PERSONAL_DAYS = 90  # default lifetime of a personal token
MAX_DAYS = 366
CASE_UPLOAD_DAYS = 7
LAST_USED_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often


@dataclass(frozen=True)
class Caller:
    """Who is calling the API, and through which token (its scopes and case limit)."""

    user: User
    token: ApiToken


def token_digest(secret: str) -> str:
    """What we store for a token: its SHA-256 (tokens are random, so no slow hash is needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_token(
    uow: UnitOfWork,
    clock: Clock,
    *,
    user: User,
    name: str,
    expires_in_days: int | None,
    scopes: frozenset[TokenScope],
    case_id: int | None = None,
) -> tuple[ApiToken, str]:
    if not 1 <= len(name.strip()) <= 100:
        raise ValidationFailed("token name must be 1-100 characters")
    check_plain_text(name, "token name")
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_DAYS:
        raise ValidationFailed(f"expires_in_days must be 1-{MAX_DAYS} (or none: never expires)")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    assert user.id is not None
    token = ApiToken(
        user_id=user.id,
        name=name.strip(),
        token_hash=token_digest(secret),
        prefix=secret[:10],
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
        scopes=" ".join(sorted(scopes)),
        case_id=case_id,
    )
    uow.users.add_token(token)
    return token, secret


def create_token(
    uow: UnitOfWork,
    clock: Clock,
    *,
    actor: User,
    user_id: int,
    name: str,
    expires_in_days: int | None = PERSONAL_DAYS,
    scopes: frozenset[TokenScope] = frozenset({TokenScope.READ, TokenScope.WRITE}),
) -> tuple[ApiToken, str]:
    """Create a personal token for yourself (support managers: for anyone); shown once."""
    user = visible_user(uow, actor, user_id)
    if user.id != actor.id and actor.role != Role.SUPPORT_MANAGER:
        raise PermissionDenied("you may only create tokens for yourself")
    if not scopes or TokenScope.CASE_UPLOAD in scopes:
        raise ValidationFailed("personal tokens have the scopes read and/or write")
    token, secret = _new_token(
        uow, clock, user=user, name=name, expires_in_days=expires_in_days, scopes=scopes
    )
    uow.commit()
    return token, secret


def create_case_upload_token(
    uow: UnitOfWork, clock: Clock, *, actor: User, case_id: int
) -> tuple[ApiToken, str]:
    """A token that can only upload artifacts to one case and read its requests (7 days)."""
    case = visible_case(uow, actor, case_id)
    token, secret = _new_token(
        uow,
        clock,
        user=actor,
        name=f"upload to case {case.id}",
        expires_in_days=CASE_UPLOAD_DAYS,
        scopes=frozenset({TokenScope.CASE_UPLOAD}),
        case_id=case.id,
    )
    uow.commit()
    return token, secret


def issue_token(uow: UnitOfWork, clock: Clock, *, user: User, name: str) -> str:
    """Create a token without an acting user (the CLI and demo, run by the operator; no commit).

    Operator tokens do not expire unless revoked: they are what scripts and the demo use.
    """
    _, secret = _new_token(
        uow,
        clock,
        user=user,
        name=name,
        expires_in_days=None,
        scopes=frozenset({TokenScope.READ, TokenScope.WRITE}),
    )
    return secret


def list_tokens(uow: UnitOfWork, *, actor: User) -> list[ApiToken]:
    """Your own tokens, newest first (never their secrets)."""
    assert actor.id is not None
    return sorted(uow.users.tokens_of(actor.id), key=lambda t: t.id or 0, reverse=True)


def revoke_token(uow: UnitOfWork, clock: Clock, *, actor: User, token_id: int) -> ApiToken:
    """Revoke one of your tokens (support managers: anyone's); it answers 401 at once."""
    token = uow.users.get_token(token_id)
    if token is None or (token.user_id != actor.id and actor.role != Role.SUPPORT_MANAGER):
        raise NotFound(f"token {token_id} not found")
    if token.revoked_at is None:
        token.revoked_at = clock.now()
    uow.commit()
    return token


def authenticate_token(uow: UnitOfWork, clock: Clock, secret: str) -> Caller:
    """The caller a bearer token stands for, or Unauthenticated (revoked, expired, disabled)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        raise Unauthenticated("invalid API token")
    found = uow.users.token_and_user(token_digest(secret))
    now = clock.now()
    if found is None or not found[0].usable_at(now):
        raise Unauthenticated("invalid, expired or revoked API token")
    token, user = found
    if not user.active:
        raise Unauthenticated("the token's user is disabled")
    assert token.id is not None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        # Its own small commit (also when a racing request wrote it first, so no write lock
        # is held through the request), at most once a minute per token.
        uow.users.mark_token_used(token.id, now, now - LAST_USED_EVERY)
        uow.commit()
    return Caller(user=user, token=token)
