"""Sign-in: argon2 password checks (bounded in number at once), throttled guessing, and the
session generation that lets sign-out end every session of a user. Tokens: services.tokens."""

from __future__ import annotations

import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from engage.domain.errors import Busy, TooManyRequests, Unauthenticated, ValidationFailed
from engage.domain.users import User
from engage.services.ports import LoginThrottle, UnitOfWork
from engage.services.tokens import (
    TOKEN_PREFIX,
    authenticate_token,
    create_token,
    issue_token,
    token_digest,
)

__all__ = [
    "TOKEN_PREFIX",
    "authenticate_password",
    "authenticate_token",
    "create_token",
    "end_sessions",
    "hash_password",
    "issue_token",
    "sign_in_checked",
    "token_digest",
]

_hasher = PasswordHasher()
#: argon2 takes 64 MiB per hash: at most this many at once, the rest wait (then 503).
HASH_CONCURRENCY = 4
HASH_WAIT_SECONDS = 10.0
_hash_slots = threading.BoundedSemaphore(HASH_CONCURRENCY)


class _HashSlot:
    """Hold one of the few argon2 slots, or fail with Busy after a bounded wait."""

    def __enter__(self) -> None:
        if not _hash_slots.acquire(timeout=HASH_WAIT_SECONDS):
            raise Busy("too many sign-ins at once; try again in a moment")

    def __exit__(self, *exc: object) -> None:
        _hash_slots.release()


def hash_password(password: str) -> str:
    """An argon2id hash of `password`."""
    if len(password) < 8:
        raise ValidationFailed("password must be at least 8 characters")
    with _HashSlot():
        return _hasher.hash(password)


def authenticate_password(uow: UnitOfWork, email: str, password: str) -> User:
    """The user with this e-mail and password, or Unauthenticated (same message either way)."""
    user = uow.users.by_email(email.strip())
    with _HashSlot():
        if user is None or not user.password_hash or not user.active:
            _hasher.hash("timing-equaliser")  # same work whether or not the user exists
            raise Unauthenticated("wrong e-mail or password")
        try:
            _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError) as exc:
            raise Unauthenticated("wrong e-mail or password") from exc
    return user


def sign_in_checked(
    uow: UnitOfWork, throttle: LoginThrottle, *, email: str, password: str, address: str
) -> User:
    """Check a password under the throttle: too many failures for the account or the client
    address answer TooManyRequests (429 with Retry-After) without checking the password."""
    account = email.strip().lower()[:320]
    wait = throttle.retry_after(account, address)
    if wait:
        raise TooManyRequests(
            f"too many failed sign-ins; try again in {wait} seconds", retry_after=wait
        )
    try:
        user = authenticate_password(uow, email, password)
    except Unauthenticated:
        throttle.failed(account, address)
        raise
    throttle.succeeded(account)
    return user


def end_sessions(uow: UnitOfWork, *, user_id: int) -> None:
    """End every portal session of the user (sign-out, password change)."""
    uow.users.end_sessions(user_id)
    uow.commit()
