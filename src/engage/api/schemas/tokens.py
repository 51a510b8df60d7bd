"""API token request and response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from engage.api.schemas.base import Body, Read
from engage.domain.users import ApiToken
from engage.services.tokens import MAX_DAYS, PERSONAL_DAYS


class TokenCreate(Body):
    """A new API token: name, expiry and scopes."""

    name: str = Field(min_length=1, max_length=100)
    user_id: int | None = Field(default=None, description="support managers: someone else's")
    expires_in_days: int | None = Field(
        default=PERSONAL_DAYS, ge=1, le=MAX_DAYS, description="null: never expires"
    )
    scopes: list[Literal["read", "write"]] = Field(
        default=["read", "write"], min_length=1, max_length=2
    )


class TokenRead(Read):
    """An API token (never its secret)."""

    id: int
    name: str
    prefix: str
    scopes: list[str]
    case_id: int | None = Field(default=None, description="case upload tokens: their case")
    created_at: datetime
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    @classmethod
    def of(cls, token: ApiToken) -> TokenRead:
        """The API view of a token (never its secret)."""
        assert token.id is not None and token.created_at is not None
        return cls(
            id=token.id,
            name=token.name,
            prefix=token.prefix,
            scopes=token.scopes.split(),
            case_id=token.case_id,
            created_at=token.created_at,
            expires_at=token.expires_at,
            last_used_at=token.last_used_at,
            revoked_at=token.revoked_at,
        )


class TokenCreated(TokenRead):
    """A new API token with its secret, shown this once."""

    token: str = Field(description="the secret; shown once, store it now")
    command: str | None = Field(
        default=None, description="case upload tokens: the command to run with it"
    )
