"""Durable jobs (the embedded queue), shared secrets and content references (issue 12)."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, Integer, String, Table, Text

from engage.adapters.db.tables.base import metadata, ts

# --- the embedded job queue ---
# On SQLite (and with ENGAGE_JOBS=database anywhere) jobs are rows here, so a restart runs
# whatever was queued or interrupted. `lock_key` is unique: a periodic tick enqueued by several
# processes at once lands once ("periodic:<name>:<tick>").
jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("kwargs", JSON, nullable=False, default=dict),
    Column("status", String(16), nullable=False),  # queued running done failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("max_attempts", Integer, nullable=False, default=5),
    ts("run_after", nullable=False),
    Column("lock_key", String(200), nullable=True, unique=True),
    Column("worker", String(100), nullable=True),
    ts("heartbeat_at"),
    Column("error", Text, nullable=False, default=""),
    ts("created_at", nullable=False),
    ts("finished_at"),
    Index("ix_jobs_status_run_after", "status", "run_after"),
)

# --- values every host must agree on (the portal's signing key when ENGAGE_SECRET_KEY is unset)
app_secrets = Table(
    "app_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    ts("created_at", nullable=False),
)

# --- one row per content key ever stored: retention and a new upload of the same bytes lock
# this row, so "is the object still used?" and "delete it" happen under one lock.
content_blobs = Table(
    "content_blobs",
    metadata,
    Column("content_key", String(200), primary_key=True),
    ts("created_at", nullable=False),
)
