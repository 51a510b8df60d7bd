"""Organisations, environments, instances, users and tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from engage.api.schemas.base import Body, Read
from engage.domain.users import Role


class OrgCreate(Body):
    """A new customer organisation."""

    slug: str = Field(min_length=2, max_length=63, pattern=r"^[a-z0-9][a-z0-9-]+$")
    name: str = Field(min_length=1, max_length=200)
    plan: dict[str, Any] | None = None


class OrgRead(Read):
    """An organisation."""

    id: int
    slug: str
    name: str
    created_at: datetime


class EnvironmentCreate(Body):
    """A new environment (e.g. prod) of an organisation."""

    name: str = Field(min_length=1, max_length=64)


class EnvironmentRead(Read):
    """An environment of an organisation."""

    id: int
    org_id: int
    name: str


class InstanceCreate(Body):
    """A new Kubecost instance in an environment."""

    cluster: str = Field(min_length=1, max_length=200)
    namespace: str = Field(default="kubecost", min_length=1, max_length=200)
    version: str = Field(default="", max_length=64)


class InstanceRead(Read):
    """A Kubecost instance."""

    id: int
    org_id: int
    environment_id: int
    cluster: str
    namespace: str
    version: str


class UserCreate(Body):
    """A new person: e-mail, name, role and organisation."""

    email: str = Field(min_length=3, max_length=320)
    name: str = Field(min_length=1, max_length=200)
    role: Role
    org_id: int | None = None
    password: str | None = Field(default=None, min_length=8, max_length=200)
    tz: str = Field(default="UTC", max_length=64)


class UserRead(Read):
    """A person."""

    id: int
    email: str
    name: str
    role: Role
    org_id: int | None
    tz: str
