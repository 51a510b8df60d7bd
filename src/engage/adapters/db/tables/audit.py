"""The organisation audit trail and break-glass approvals."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from engage.adapters.db.tables.base import metadata, ts

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
    ts("created_at", nullable=False),
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
    ts("created_at", nullable=False),
    ts("expires_at", nullable=False),
)
