"""Table definitions; Alembic migrations create them, the mapper maps domain classes onto them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
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

# --- sessions (issue 6) ---
# A collaborative session on a case. Instants are UTC; `proposed_starts` holds ISO instants
# offered to the customer and `search` the slot-search parameters the booking re-check reuses.

sessions = Table(
    "sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uid", String(200), nullable=False, unique=True),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("topic", String(200), nullable=False),
    Column("organizer_email", String(320), nullable=False),
    Column("organizer_name", String(200), nullable=False, default=""),
    Column("duration_minutes", Integer, nullable=False),
    Column("tool", String(32), nullable=False),
    Column("custom_url", String(2000), nullable=True),
    Column("custom_dial_in", String(500), nullable=False, default=""),
    Column("screen_sharing_allowed", Boolean, nullable=False, default=True),
    Column("status", String(32), nullable=False),
    Column("proposed_starts", JSON, nullable=False, default=list),
    Column("search", JSON, nullable=False, default=dict),
    _ts("start_at"),
    _ts("end_at"),
    Column("meeting", JSON, nullable=True),
    Column("sequence", Integer, nullable=False, default=0),
    Column("note", Text, nullable=False, default=""),
    Column("created_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    _ts("created_at", nullable=False),
    _ts("updated_at", nullable=False),
    Column("version", Integer, nullable=False, default=1),
    # The reminders job and busy-time lookups scan booked sessions by start.
    Index("ix_sessions_status_start", "status", "start_at"),
)

session_participants = Table(
    "session_participants",
    metadata,
    Column("session_id", ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("email", String(320), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("user_id", ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True),
    Column("name", String(200), nullable=False, default=""),
    Column("role", String(16), nullable=False),
    Column("required", Boolean, nullable=False, default=True),
    Column("response", String(16), nullable=False, default="NEEDS-ACTION"),
    Column("ready", Boolean, nullable=False, default=False),
)

session_tasks = Table(
    "session_tasks",
    metadata,
    Column("session_id", ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("task_id", String(32), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("title", String(500), nullable=False),
    Column("owner", String(320), nullable=False),
    Column("state", String(16), nullable=False),
)

user_availability = Table(
    "user_availability",
    metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("tz", String(64), nullable=False),
    Column("weekly", JSON, nullable=False, default=dict),
    Column("overrides", JSON, nullable=False, default=dict),
    Column("ics_url", String(2000), nullable=True),
    _ts("ics_fetched_at"),
    _ts("updated_at", nullable=False),
)

busy_blocks = Table(
    "busy_blocks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    _ts("start_at", nullable=False),
    _ts("end_at", nullable=False),
    Column("source", String(16), nullable=False),  # ics | manual
    Index("ix_busy_blocks_user_start", "user_id", "start_at"),
)

session_reminders = Table(
    "session_reminders",
    metadata,
    Column("session_id", ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(16), primary_key=True),  # e.g. 24h, 1h
    _ts("sent_at", nullable=False),
)

session_no_shows = Table(
    "session_no_shows",
    metadata,
    Column("session_id", ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("email", String(320), primary_key=True),
    Column("recorded_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    _ts("recorded_at", nullable=False),
)

# --- diagnostics intake (issue 7) ---
# Support asks for diagnostics (a request, expanded into one row per environment or instance),
# the customer uploads artifacts against rows, the analyzer's findings hang off artifacts.
# Content lives in the object store under `content_key` (its SHA-256); rows here are metadata.

diagnostic_requests = Table(
    "diagnostic_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("label", String(200), nullable=False, default=""),
    Column("note", Text, nullable=False, default=""),
    _ts("due_at"),
    Column("expand", String(16), nullable=False, default="case"),  # case | environment | instance
    Column("created_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    _ts("created_at", nullable=False),
    _ts("reminded_at"),
)

diagnostic_rows = Table(
    "diagnostic_rows",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "request_id",
        ForeignKey("diagnostic_requests.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("environment_id", ForeignKey("environments.id", ondelete="SET NULL"), nullable=True),
    Column("instance_id", ForeignKey("instances.id", ondelete="SET NULL"), nullable=True),
    Column("label", String(300), nullable=False, default=""),
    Column("status", String(16), nullable=False),  # requested received validated rejected waived
    Column("reason", Text, nullable=False, default=""),
    Column("status_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    _ts("status_at", nullable=False),
    # Completeness and "what is missing" read a case's rows by status.
    Index("ix_diagnostic_rows_case_status", "case_id", "status"),
)

artifacts = Table(
    "artifacts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("row_id", ForeignKey("diagnostic_rows.id", ondelete="SET NULL"), nullable=True),
    Column("kind", String(32), nullable=False),
    Column("content_key", String(200), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("original_name", String(255), nullable=False, default=""),
    Column("summary", JSON, nullable=False, default=dict),
    Column("redaction", JSON, nullable=False, default=dict),
    Column("status", String(16), nullable=False),  # stored analyzing analyzed failed deleted
    Column("analysis_error", Text, nullable=False, default=""),
    Column("analyzable", Boolean, nullable=False, default=False),
    Column("uploaded_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    _ts("uploaded_at", nullable=False),
    _ts("deleted_at"),
    # The retention job scans live artifacts by upload time; dedupe looks content keys up.
    Index("ix_artifacts_deleted_uploaded", "deleted_at", "uploaded_at"),
    Index("ix_artifacts_content_key", "content_key"),
)

upload_sessions = Table(
    "upload_sessions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("row_id", ForeignKey("diagnostic_rows.id", ondelete="SET NULL"), nullable=True),
    Column("kind", String(32), nullable=False),
    Column("original_name", String(255), nullable=False, default=""),
    Column("size", BigInteger, nullable=False),
    Column("received", BigInteger, nullable=False, default=0),
    Column("status", String(16), nullable=False),  # open completed aborted
    Column("artifact_id", ForeignKey("artifacts.id", ondelete="SET NULL"), nullable=True),
    Column("created_by", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    _ts("created_at", nullable=False),
    _ts("updated_at", nullable=False),
)

artifact_findings = Table(
    "artifact_findings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "artifact_id", ForeignKey("artifacts.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("rule_id", String(100), nullable=False),
    Column("category", String(64), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("title", String(300), nullable=False),
    Column("explanation", Text, nullable=False, default=""),
    Column("remediation", Text, nullable=False, default=""),
    Column("evidence", JSON, nullable=False, default=list),
    Column("count", Integer, nullable=False, default=0),
)

artifact_downloads = Table(
    "artifact_downloads",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "artifact_id", ForeignKey("artifacts.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("user_id", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    _ts("downloaded_at", nullable=False),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=True),
    Column("kind", String(64), nullable=False),
    Column("message", Text, nullable=False),
    _ts("created_at", nullable=False),
    _ts("read_at"),
    Index("ix_notifications_user_created", "user_id", "created_at"),
)

# --- security policy and audit trail (issue 8) ---
# The organisation's audit trail: policy changes, downloads, break-glass approvals. Exported by
# support managers as CSV or JSON, read by organisation and time.

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("actor_id", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("case_id", ForeignKey("cases.id", ondelete="SET NULL"), nullable=True),
    Column("kind", String(64), nullable=False),
    Column("data", JSON, nullable=False, default=dict),
    _ts("created_at", nullable=False),
    Index("ix_audit_events_org_created", "org_id", "created_at"),
)

break_glass_approvals = Table(
    "break_glass_approvals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("approved_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("reason", Text, nullable=False),
    _ts("created_at", nullable=False),
    _ts("expires_at", nullable=False),
)
