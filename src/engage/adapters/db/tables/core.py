"""Organisations, people, tokens, cases and what hangs off a case."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from engage.adapters.db.tables.base import metadata, ts

organisations = Table(
    "organisations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("plan", JSON, nullable=False, default=dict),
    Column("policy", JSON, nullable=False, default=dict),
    ts("created_at", nullable=False),
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
    ts("created_at", nullable=False),
    # Portal sessions carry the generation they were made in; sign-out bumps it (issue 13).
    Column("session_generation", Integer, nullable=False, default=0, server_default="0"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    ts("created_at", nullable=False),
    ts("last_used_at"),
    ts("revoked_at"),
    ts("expires_at"),
    Column(
        "scopes", String(200), nullable=False, default="read write", server_default="read write"
    ),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=True),
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
    ts("created_at", nullable=False),
    ts("updated_at", nullable=False),
    ts("first_response_at"),
    ts("last_support_update_at"),
    ts("resolved_at"),
    ts("first_response_due_at"),
    ts("next_update_due_at"),
    ts("resolution_due_at"),
    ts("sla_due_at"),
    ts("sla_at_risk_at"),
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
    ts("created_at", nullable=False),
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
    ts("created_at", nullable=False),
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
    ts("created_at", nullable=False),
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
    ts("created_at", nullable=False),
    UniqueConstraint("user_id", "key"),
)
