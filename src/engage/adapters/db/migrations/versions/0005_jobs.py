"""jobs: the embedded durable queue, shared secrets, content references, artifact stages,
upload parts in the object store; procrastinate's schema on PostgreSQL (issue 12)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _tables() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kwargs", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        _ts("run_after", nullable=False),
        sa.Column("lock_key", sa.String(length=200), nullable=True),
        sa.Column("worker", sa.String(length=100), nullable=True),
        _ts("heartbeat_at"),
        sa.Column("error", sa.Text(), nullable=False),
        _ts("created_at", nullable=False),
        _ts("finished_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint("lock_key", name=op.f("uq_jobs_lock_key")),
    )
    op.create_index(op.f("ix_jobs_status_run_after"), "jobs", ["status", "run_after"])
    op.create_table(
        "app_secrets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        _ts("created_at", nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_app_secrets")),
    )
    op.create_table(
        "content_blobs",
        sa.Column("content_key", sa.String(length=200), nullable=False),
        _ts("created_at", nullable=False),
        sa.PrimaryKeyConstraint("content_key", name=op.f("pk_content_blobs")),
    )


def upgrade() -> None:
    """Create the job, secret and content tables; add artifact stages and upload parts."""
    _tables()
    with op.batch_alter_table("artifacts") as batch:
        batch.add_column(
            sa.Column("incoming_key", sa.String(length=200), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("progress", sa.String(length=200), nullable=False, server_default="")
        )
    with op.batch_alter_table("upload_sessions") as batch:
        batch.add_column(
            sa.Column("store_upload", sa.String(length=200), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("parts", sa.JSON(), nullable=False, server_default="[]"))
    op.execute(
        "INSERT INTO content_blobs (content_key, created_at) "
        "SELECT DISTINCT content_key, MIN(uploaded_at) FROM artifacts "
        "WHERE content_key <> '' GROUP BY content_key"
    )
    if op.get_bind().dialect.name == "postgresql":
        _procrastinate_schema()


def _procrastinate_schema() -> None:
    """procrastinate's own tables, types and functions (its schema.sql), once per database."""
    from procrastinate.schema import SchemaManager

    bind = op.get_bind()
    found = bind.exec_driver_sql("SELECT to_regclass('procrastinate_jobs') IS NOT NULL").scalar()
    if found:
        return
    raw = bind.connection.driver_connection
    assert raw is not None
    raw.execute(SchemaManager.get_schema())


def downgrade() -> None:
    """Drop what upgrade added (procrastinate's own tables stay)."""
    with op.batch_alter_table("upload_sessions") as batch:
        batch.drop_column("parts")
        batch.drop_column("store_upload")
    with op.batch_alter_table("artifacts") as batch:
        batch.drop_column("progress")
        batch.drop_column("incoming_key")
    op.drop_table("content_blobs")
    op.drop_table("app_secrets")
    op.drop_index(op.f("ix_jobs_status_run_after"), table_name="jobs")
    op.drop_table("jobs")
