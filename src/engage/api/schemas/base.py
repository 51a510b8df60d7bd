"""Shared schema configuration: unknown fields are errors."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Body(BaseModel):
    """A request body: unknown fields are rejected, strings are stripped of nothing."""

    model_config = ConfigDict(extra="forbid")


class Read(BaseModel):
    """A response body built from domain objects."""

    model_config = ConfigDict(from_attributes=True)
