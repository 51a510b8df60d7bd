"""Idempotency-Key handling shared by every create: replay a retry, refuse a reused key."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from engage.domain.errors import Conflict, ValidationFailed
from engage.domain.users import User
from engage.services.ports import UnitOfWork


def request_hash(payload: Any) -> str:
    """A stable hash of a request body, to tell a retry from a different request."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def replay_key(
    uow: UnitOfWork, actor: User, key: str | None, scope: str, digest: str
) -> int | None:
    """The id a previous request with this Idempotency-Key created, or None for a new key."""
    if key is None:
        return None
    if not 1 <= len(key) <= 200:
        raise ValidationFailed("Idempotency-Key must be 1-200 characters")
    assert actor.id is not None
    found = uow.idempotency.find(actor.id, key)
    if found is None:
        return None
    old_scope, old_digest, resource_id = found
    if old_scope != scope or old_digest != digest:
        raise Conflict("this Idempotency-Key was used for a different request")
    return resource_id


def remember_key(
    uow: UnitOfWork, actor: User, key: str | None, scope: str, digest: str, resource_id: int
) -> None:
    """Record which resource this Idempotency-Key created (same transaction as the create)."""
    if key is not None:
        assert actor.id is not None
        uow.idempotency.remember(
            user_id=actor.id, key=key, scope=scope, request_hash=digest, resource_id=resource_id
        )
