"""Table definitions; Alembic migrations create them, the mapper maps domain classes onto them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# Named constraints so migrations behave the same on SQLite (batch mode) and PostgreSQL.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (which keeps no zone) too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ts(name: str, **kw: Any) -> Column[Any]:
    return Column(name, UTCDateTime(), **kw)


organisations = Table(
    "organisations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("plan", JSON, nullable=False, default=dict),
    Column("policy", JSON, nullable=False, default=dict),
    _ts("created_at", nullable=False),
)

environments = Table(
    "environments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(64), nullable=False),
    UniqueConstraint("org_id", "name"),
)

instances = Table(
    "instances",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "org_id", ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("environment_id", ForeignKey("environments.id", ondelete="CASCADE"), nullable=False),
    Column("cluster", String(200), nullable=False),
    Column("namespace", String(200), nullable=False),
    Column("version", String(64), nullable=False, default=""),
    UniqueConstraint("environment_id", "cluster", "namespace"),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", ForeignKey("organisations.id", ondelete="CASCADE"), nullable=True, index=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("role", String(32), nullable=False),
    Column("password_hash", String(200), nullable=False, default=""),
    Column("tz", String(64), nullable=False, default="UTC"),
    Column("active", Boolean, nullable=False, default=True),
    _ts("created_at", nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    _ts("created_at", nullable=False),
    _ts("last_used_at"),
    _ts("revoked_at"),
)

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("severity", String(2), nullable=False),
    Column("area", String(32), nullable=False),
    Column("status", String(32), nullable=False),
    Column("reporter_id", ForeignKey("users.id"), nullable=False),
    Column("assignee_id", ForeignKey("users.id"), nullable=True, index=True),
    Column("environment_id", ForeignKey("environments.id"), nullable=True),
    _ts("created_at", nullable=False),
    _ts("updated_at", nullable=False),
    _ts("first_response_at"),
    _ts("last_support_update_at"),
    _ts("resolved_at"),
    _ts("first_response_due_at"),
    _ts("next_update_due_at"),
    _ts("resolution_due_at"),
    _ts("sla_due_at"),
    _ts("sla_at_risk_at"),
    Column("sla_flag", String(16), nullable=False, default="none"),
    Column("version", Integer, nullable=False),
    # Queue pages filter by org/status and sort by SLA due; these keep them index-only.
    Index("ix_cases_org_status_due", "org_id", "status", "sla_due_at"),
    Index("ix_cases_status_due", "status", "sla_due_at"),
    Index("ix_cases_at_risk", "sla_at_risk_at"),
    Index("ix_cases_severity_due", "severity", "sla_due_at"),
)

case_engineers = Table(
    "case_engineers",
    metadata,
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

case_instances = Table(
    "case_instances",
    metadata,
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("instance_id", ForeignKey("instances.id", ondelete="CASCADE"), primary_key=True),
)

case_links = Table(
    "case_links",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("from_case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("to_case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    _ts("created_at", nullable=False),
    UniqueConstraint("from_case_id", "to_case_id", "kind"),
)

comments = Table(
    "comments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("author_id", ForeignKey("users.id"), nullable=False),
    Column("body", Text, nullable=False),
    Column("internal", Boolean, nullable=False, default=False),
    _ts("created_at", nullable=False),
    Index("ix_comments_case_created", "case_id", "created_at"),
)

case_events = Table(
    "case_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("actor_id", ForeignKey("users.id"), nullable=True),
    Column("data", JSON, nullable=False, default=dict),
    Column("internal", Boolean, nullable=False, default=False),
    _ts("created_at", nullable=False),
    Index("ix_case_events_case_created", "case_id", "created_at"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(200), nullable=False),
    Column("scope", String(100), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("resource_id", Integer, nullable=False),
    _ts("created_at", nullable=False),
    UniqueConstraint("user_id", "key"),
)
