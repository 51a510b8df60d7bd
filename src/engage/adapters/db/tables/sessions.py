"""Collaborative sessions on a case, availability and busy blocks."""

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
)

from engage.adapters.db.tables.base import metadata, ts

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
    ts("start_at"),
    ts("end_at"),
    Column("meeting", JSON, nullable=True),
    Column("sequence", Integer, nullable=False, default=0),
    Column("note", Text, nullable=False, default=""),
    Column("created_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    ts("created_at", nullable=False),
    ts("updated_at", nullable=False),
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
    ts("ics_fetched_at"),
    ts("updated_at", nullable=False),
)

busy_blocks = Table(
    "busy_blocks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    ts("start_at", nullable=False),
    ts("end_at", nullable=False),
    Column("source", String(16), nullable=False),  # ics | manual
    Index("ix_busy_blocks_user_start", "user_id", "start_at"),
)

session_reminders = Table(
    "session_reminders",
    metadata,
    Column("session_id", ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(16), primary_key=True),  # e.g. 24h, 1h
    ts("sent_at", nullable=False),
)

session_no_shows = Table(
    "session_no_shows",
    metadata,
    Column("session_id", ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("email", String(320), primary_key=True),
    Column("recorded_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    ts("recorded_at", nullable=False),
)
