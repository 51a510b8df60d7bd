"""Organisations, their environments and Kubecost instances, and the people who work cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    """What a person may do; customers belong to an organisation, support does not."""

    CUSTOMER_MEMBER = "customer_member"
    CUSTOMER_ADMIN = "customer_admin"
    SUPPORT_ENGINEER = "support_engineer"
    SUPPORT_MANAGER = "support_manager"

    @property
    def is_support(self) -> bool:
        """Kubecost support staff see every organisation and internal notes."""
        return self in (Role.SUPPORT_ENGINEER, Role.SUPPORT_MANAGER)


@dataclass(eq=False)
class Organisation:
    """A customer."""

    slug: str
    name: str
    plan: dict[str, object] = field(default_factory=dict)
    policy: dict[str, object] = field(default_factory=dict)
    created_at: datetime | None = None
    id: int | None = None


@dataclass(eq=False)
class Environment:
    """A customer environment such as prod or staging."""

    org_id: int
    name: str
    id: int | None = None


@dataclass(eq=False)
class Instance:
    """One Kubecost install: cluster, namespace, version, in an environment."""

    org_id: int
    environment_id: int
    cluster: str
    namespace: str = "kubecost"
    version: str = ""
    id: int | None = None


@dataclass(eq=False)
class User:
    """A person: a customer contact (org_id set) or a support engineer (org_id None)."""

    email: str
    name: str
    role: Role
    org_id: int | None = None
    password_hash: str = ""
    tz: str = "UTC"
    active: bool = True
    created_at: datetime | None = None
    session_generation: int = 0
    id: int | None = None

    @property
    def is_support(self) -> bool:
        """True for Kubecost support engineers and managers."""
        return Role(self.role).is_support

    def can_see_org(self, org_id: int | None) -> bool:
        """Support sees every organisation; customers only their own."""
        return self.is_support or (org_id is not None and org_id == self.org_id)


class TokenScope(StrEnum):
    """What a token may do: read, write (everything its user may), or upload to one case."""

    READ = "read"
    WRITE = "write"
    CASE_UPLOAD = "case-upload"


@dataclass(eq=False)
class ApiToken:
    """An API token; only its SHA-256 is stored, the secret is shown once."""

    user_id: int
    name: str
    token_hash: str
    prefix: str
    created_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    expires_at: datetime | None = None
    scopes: str = "read write"  # space-separated TokenScope values
    case_id: int | None = None  # set for case upload tokens
    id: int | None = None

    @property
    def scope_set(self) -> frozenset[TokenScope]:
        """The token's scopes."""
        return frozenset(TokenScope(s) for s in self.scopes.split())

    def usable_at(self, now: datetime) -> bool:
        """Not revoked and not expired at `now`."""
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)
