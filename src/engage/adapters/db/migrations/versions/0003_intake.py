"""intake: diagnostic requests and rows, artifacts, upload sessions, findings, downloads and
notifications (issue 7)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _requests() -> None:
    op.create_table(
        "diagnostic_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        _ts("due_at"),
        sa.Column("expand", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        _ts("created_at", nullable=False),
        _ts("reminded_at"),
        _fk("diagnostic_requests", "case_id", "cases", "CASCADE"),
        _fk("diagnostic_requests", "created_by", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_diagnostic_requests")),
    )
    op.create_index(op.f("ix_diagnostic_requests_case_id"), "diagnostic_requests", ["case_id"])
    op.create_table(
        "diagnostic_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("environment_id", sa.Integer(), nullable=True),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status_by", sa.Integer(), nullable=True),
        _ts("status_at", nullable=False),
        _fk("diagnostic_rows", "request_id", "diagnostic_requests", "CASCADE"),
        _fk("diagnostic_rows", "case_id", "cases", "CASCADE"),
        _fk("diagnostic_rows", "environment_id", "environments", "SET NULL"),
        _fk("diagnostic_rows", "instance_id", "instances", "SET NULL"),
        _fk("diagnostic_rows", "status_by", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_diagnostic_rows")),
    )
    op.create_index(op.f("ix_diagnostic_rows_request_id"), "diagnostic_rows", ["request_id"])
    op.create_index("ix_diagnostic_rows_case_status", "diagnostic_rows", ["case_id", "status"])


def _artifacts() -> None:
    op.create_table(
        "artifacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("content_key", sa.String(length=200), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("redaction", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("analysis_error", sa.Text(), nullable=False),
        sa.Column("analyzable", sa.Boolean(), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        _ts("uploaded_at", nullable=False),
        _ts("deleted_at"),
        _fk("artifacts", "case_id", "cases", "CASCADE"),
        _fk("artifacts", "row_id", "diagnostic_rows", "SET NULL"),
        _fk("artifacts", "uploaded_by", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_artifacts")),
    )
    op.create_index(op.f("ix_artifacts_case_id"), "artifacts", ["case_id"])
    op.create_index("ix_artifacts_deleted_uploaded", "artifacts", ["deleted_at", "uploaded_at"])
    op.create_index("ix_artifacts_content_key", "artifacts", ["content_key"])
    op.create_table(
        "upload_sessions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("artifact_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=False),
        _ts("created_at", nullable=False),
        _ts("updated_at", nullable=False),
        _fk("upload_sessions", "case_id", "cases", "CASCADE"),
        _fk("upload_sessions", "row_id", "diagnostic_rows", "SET NULL"),
        _fk("upload_sessions", "artifact_id", "artifacts", "SET NULL"),
        _fk("upload_sessions", "created_by", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upload_sessions")),
    )
    op.create_index(op.f("ix_upload_sessions_case_id"), "upload_sessions", ["case_id"])


def _findings_downloads_notifications() -> None:
    op.create_table(
        "artifact_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("artifact_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("remediation", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        _fk("artifact_findings", "artifact_id", "artifacts", "CASCADE"),
        _fk("artifact_findings", "case_id", "cases", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_artifact_findings")),
    )
    op.create_index(op.f("ix_artifact_findings_artifact_id"), "artifact_findings", ["artifact_id"])
    op.create_index(op.f("ix_artifact_findings_case_id"), "artifact_findings", ["case_id"])
    op.create_table(
        "artifact_downloads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("artifact_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        _ts("downloaded_at", nullable=False),
        _fk("artifact_downloads", "artifact_id", "artifacts", "CASCADE"),
        _fk("artifact_downloads", "user_id", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_artifact_downloads")),
    )
    op.create_index(
        op.f("ix_artifact_downloads_artifact_id"), "artifact_downloads", ["artifact_id"]
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        _ts("created_at", nullable=False),
        _ts("read_at"),
        _fk("notifications", "user_id", "users", "CASCADE"),
        _fk("notifications", "case_id", "cases", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index("ix_notifications_user_created", "notifications", ["user_id", "created_at"])


def upgrade() -> None:
    _requests()
    _artifacts()
    _findings_downloads_notifications()


def downgrade() -> None:
    op.drop_index("ix_notifications_user_created", table_name="notifications")
    op.drop_table("notifications")
    op.drop_index(op.f("ix_artifact_downloads_artifact_id"), table_name="artifact_downloads")
    op.drop_table("artifact_downloads")
    op.drop_index(op.f("ix_artifact_findings_case_id"), table_name="artifact_findings")
    op.drop_index(op.f("ix_artifact_findings_artifact_id"), table_name="artifact_findings")
    op.drop_table("artifact_findings")
    op.drop_index(op.f("ix_upload_sessions_case_id"), table_name="upload_sessions")
    op.drop_table("upload_sessions")
    op.drop_index("ix_artifacts_content_key", table_name="artifacts")
    op.drop_index("ix_artifacts_deleted_uploaded", table_name="artifacts")
    op.drop_index(op.f("ix_artifacts_case_id"), table_name="artifacts")
    op.drop_table("artifacts")
    op.drop_index("ix_diagnostic_rows_case_status", table_name="diagnostic_rows")
    op.drop_index(op.f("ix_diagnostic_rows_request_id"), table_name="diagnostic_rows")
    op.drop_table("diagnostic_rows")
    op.drop_index(op.f("ix_diagnostic_requests_case_id"), table_name="diagnostic_requests")
    op.drop_table("diagnostic_requests")
