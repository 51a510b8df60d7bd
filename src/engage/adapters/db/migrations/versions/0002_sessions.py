"""sessions: collaborative sessions, participants, agenda tasks, availability, busy blocks,
reminders sent and no-shows (issue 6)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _session_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["session_id"],
        ["sessions.id"],
        name=op.f(f"fk_{table}_session_id_sessions"),
        ondelete="CASCADE",
    )


def _user_fk(table: str, column: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"), ondelete=ondelete
    )


def _availability() -> None:
    op.create_table(
        "user_availability",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=False),
        sa.Column("weekly", sa.JSON(), nullable=False),
        sa.Column("overrides", sa.JSON(), nullable=False),
        sa.Column("ics_url", sa.String(length=2000), nullable=True),
        _ts("ics_fetched_at"),
        _ts("updated_at", nullable=False),
        _user_fk("user_availability", "user_id", "CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_availability")),
    )
    op.create_table(
        "busy_blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        _ts("start_at", nullable=False),
        _ts("end_at", nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        _user_fk("busy_blocks", "user_id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_busy_blocks")),
    )
    op.create_index("ix_busy_blocks_user_start", "busy_blocks", ["user_id", "start_at"])


def _sessions() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=200), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("organizer_email", sa.String(length=320), nullable=False),
        sa.Column("organizer_name", sa.String(length=200), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("tool", sa.String(length=32), nullable=False),
        sa.Column("custom_url", sa.String(length=2000), nullable=True),
        sa.Column("custom_dial_in", sa.String(length=500), nullable=False),
        sa.Column("screen_sharing_allowed", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("proposed_starts", sa.JSON(), nullable=False),
        sa.Column("search", sa.JSON(), nullable=False),
        _ts("start_at"),
        _ts("end_at"),
        sa.Column("meeting", sa.JSON(), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        _ts("created_at", nullable=False),
        _ts("updated_at", nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_sessions_case_id_cases"), ondelete="CASCADE"
        ),
        _user_fk("sessions", "created_by", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        sa.UniqueConstraint("uid", name=op.f("uq_sessions_uid")),
    )
    op.create_index(op.f("ix_sessions_case_id"), "sessions", ["case_id"])
    op.create_index("ix_sessions_status_start", "sessions", ["status", "start_at"])


def _session_children() -> None:
    op.create_table(
        "session_participants",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("response", sa.String(length=16), nullable=False),
        sa.Column("ready", sa.Boolean(), nullable=False),
        _session_fk("session_participants"),
        _user_fk("session_participants", "user_id", "SET NULL"),
        sa.PrimaryKeyConstraint("session_id", "email", name=op.f("pk_session_participants")),
    )
    op.create_index(op.f("ix_session_participants_user_id"), "session_participants", ["user_id"])
    op.create_table(
        "session_tasks",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("owner", sa.String(length=320), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        _session_fk("session_tasks"),
        sa.PrimaryKeyConstraint("session_id", "task_id", name=op.f("pk_session_tasks")),
    )
    op.create_table(
        "session_reminders",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        _ts("sent_at", nullable=False),
        _session_fk("session_reminders"),
        sa.PrimaryKeyConstraint("session_id", "kind", name=op.f("pk_session_reminders")),
    )
    op.create_table(
        "session_no_shows",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        _ts("recorded_at", nullable=False),
        _session_fk("session_no_shows"),
        _user_fk("session_no_shows", "recorded_by", "SET NULL"),
        sa.PrimaryKeyConstraint("session_id", "email", name=op.f("pk_session_no_shows")),
    )


def upgrade() -> None:
    _availability()
    _sessions()
    _session_children()


def downgrade() -> None:
    for table in ("session_no_shows", "session_reminders", "session_tasks"):
        op.drop_table(table)
    op.drop_index(op.f("ix_session_participants_user_id"), table_name="session_participants")
    op.drop_table("session_participants")
    op.drop_index("ix_sessions_status_start", table_name="sessions")
    op.drop_index(op.f("ix_sessions_case_id"), table_name="sessions")
    op.drop_table("sessions")
    op.drop_index("ix_busy_blocks_user_start", table_name="busy_blocks")
    op.drop_table("busy_blocks")
    op.drop_table("user_availability")
