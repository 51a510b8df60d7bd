"""Diagnostic requests, artifacts, uploads, findings, downloads and notifications."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
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
    ts("due_at"),
    Column("expand", String(16), nullable=False, default="case"),  # case | environment | instance
    Column("created_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    ts("created_at", nullable=False),
    ts("reminded_at"),
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
    ts("status_at", nullable=False),
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
    # received preparing analysing ready | rejected failed deleted (older rows: stored analyzed)
    Column("status", String(16), nullable=False),
    Column("analysis_error", Text, nullable=False, default=""),
    # the raw upload waiting for its preparation job ("" once prepared or rejected)
    Column("incoming_key", String(200), nullable=False, default=""),
    Column("progress", String(200), nullable=False, default=""),
    Column("analyzable", Boolean, nullable=False, default=False),
    Column("uploaded_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    ts("uploaded_at", nullable=False),
    ts("deleted_at"),
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
    Column("status", String(16), nullable=False),  # open completed aborted rejected expired
    # where the parts are: an S3 multipart upload id, or "" (parts under uploads/<id>/)
    Column("store_upload", String(200), nullable=False, default=""),
    Column("parts", JSON, nullable=False, default=list),
    Column("artifact_id", ForeignKey("artifacts.id", ondelete="SET NULL"), nullable=True),
    Column("created_by", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    ts("created_at", nullable=False),
    ts("updated_at", nullable=False),
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
    ts("downloaded_at", nullable=False),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=True),
    Column("kind", String(64), nullable=False),
    Column("message", Text, nullable=False),
    ts("created_at", nullable=False),
    ts("read_at"),
    Index("ix_notifications_user_created", "user_id", "created_at"),
)
