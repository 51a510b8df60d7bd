"""Sign-in and API tokens: passwords hashed with argon2, tokens stored as SHA-256 only."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from engage.domain.errors import PermissionDenied, Unauthenticated, ValidationFailed
from engage.domain.users import ApiToken, User
from engage.services.access import visible_user
from engage.services.ports import Clock, UnitOfWork

TOKEN_PREFIX = "eng_"
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of `password`."""
    if len(password) < 8:
        raise ValidationFailed("password must be at least 8 characters")
    return _hasher.hash(password)


def token_digest(secret: str) -> str:
    """What we store for a token: its SHA-256 (tokens are random, so no slow hash is needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    uow: UnitOfWork, clock: Clock, *, actor: User, user_id: int, name: str
) -> tuple[ApiToken, str]:
    """Create a token for yourself (support managers: for anyone); the secret is shown once."""
    user = visible_user(uow, actor, user_id)
    if user.id != actor.id and actor.role != "support_manager":
        raise PermissionDenied("you may only create tokens for yourself")
    if not 1 <= len(name) <= 100:
        raise ValidationFailed("token name must be 1-100 characters")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    assert user.id is not None
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=token_digest(secret),
        prefix=secret[:10],
        created_at=clock.now(),
    )
    uow.users.add_token(token)
    uow.commit()
    return token, secret


def issue_token(uow: UnitOfWork, clock: Clock, *, user: User, name: str) -> str:
    """Create a token without an acting user (the CLI and demo, run by the operator)."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    assert user.id is not None
    uow.users.add_token(
        ApiToken(
            user_id=user.id,
            name=name,
            token_hash=token_digest(secret),
            prefix=secret[:10],
            created_at=clock.now(),
        )
    )
    return secret


def authenticate_token(uow: UnitOfWork, secret: str) -> User:
    """The active user a bearer token belongs to, or Unauthenticated."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        raise Unauthenticated("invalid API token")
    token = uow.users.token_by_hash(token_digest(secret))
    if token is None or token.revoked_at is not None:
        raise Unauthenticated("invalid or revoked API token")
    user = uow.users.get(token.user_id)
    if user is None or not user.active:
        raise Unauthenticated("the token's user is disabled")
    return user


def authenticate_password(uow: UnitOfWork, email: str, password: str) -> User:
    """The user with this e-mail and password, or Unauthenticated (same message either way)."""
    user = uow.users.by_email(email.strip())
    if user is None or not user.password_hash or not user.active:
        _hasher.hash("timing-equaliser")  # same work whether or not the user exists
        raise Unauthenticated("wrong e-mail or password")
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError) as exc:
        raise Unauthenticated("wrong e-mail or password") from exc
    return user
