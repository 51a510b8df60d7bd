"""Shared schema configuration: unknown fields are errors, text is plain, ids fit the database."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from engage.domain.text import has_control_chars

MAX_ID = 2_147_483_647  # INTEGER on PostgreSQL


def _check(name: str, value: Any) -> None:
    if isinstance(value, str) and has_control_chars(value):
        raise ValueError(f"{name} contains a NUL or other control character")
    if isinstance(value, list | tuple):
        for item in value:
            _check(name, item)
    is_id = name.endswith(("_id", "_ids"))
    is_int = isinstance(value, int) and not isinstance(value, bool)
    if is_id and is_int and not 1 <= value <= MAX_ID:
        raise ValueError(f"{name} must be an id from 1 to {MAX_ID}")


class Body(BaseModel):
    """A request body: unknown fields are rejected, no control characters, ids in range."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="after")
    def _plain_text_and_ids(self) -> Body:
        for name in type(self).model_fields:
            _check(name, getattr(self, name))
        return self


class Read(BaseModel):
    """A response body built from domain objects."""

    model_config = ConfigDict(from_attributes=True)
