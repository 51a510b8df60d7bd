"""Schemas of diagnostic requests, request rows, artifacts, findings and upload sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from engage.api.schemas.base import Body, Read


class KindRead(Read):
    """A catalogue entry: what support can ask for."""

    kind: str
    title: str
    expand: str
    size_limit: int


class RequestCreate(Body):
    """Ask for one kind of artifact; rows expand over the case's environments or instances."""

    kind: str = Field(max_length=32)
    expand: Literal["case", "environment", "instance"] | None = None
    environment_ids: list[int] | None = Field(default=None, max_length=100)
    instance_ids: list[int] | None = Field(default=None, max_length=200)
    label: str = Field(default="", max_length=200)
    note: str = Field(default="", max_length=5_000)
    due_at: datetime | None = None


class RowDecision(Body):
    """Why a row is waived or rejected."""

    reason: str = Field(default="", max_length=2_000)


class RowRead(Read):
    """One requested item and where it stands."""

    id: int
    request_id: int
    environment_id: int | None
    instance_id: int | None
    label: str
    status: str
    reason: str
    status_by: int | None
    status_at: datetime


class RequestRead(Read):
    """A request with its rows and the instructions rendered for this case."""

    id: int
    case_id: int
    kind: str
    title: str
    label: str
    note: str
    due_at: datetime | None
    expand: str
    created_by: int | None
    created_at: datetime
    rows: list[RowRead]
    instructions: str


class CompletenessRead(Read):
    """`done` of `total` rows validated or waived; `missing` is what the customer owes."""

    done: int
    total: int
    text: str
    missing: list[RowRead]


class DiagnosticsRead(Read):
    """Every request of a case and the completeness figure."""

    requests: list[RequestRead]
    completeness: CompletenessRead


class ArtifactRead(Read):
    """An uploaded artifact (sanitised), with its summary and redaction report."""

    id: int
    case_id: int
    row_id: int | None
    kind: str
    original_name: str
    size: int
    content_key: str
    summary: dict[str, Any]
    redaction: dict[str, Any]
    status: str = Field(
        description="received -> preparing -> analysing -> ready; or rejected (the reason is "
        "in analysis_error), failed, deleted"
    )
    analysis_error: str
    progress: str = Field(default="", description="what is happening to it now")
    uploaded_by: int | None
    uploaded_at: datetime
    deleted_at: datetime | None
    download_url: str | None = None


class FindingRead(Read):
    """An analyzer finding attached to the case."""

    id: int
    artifact_id: int
    rule_id: str
    category: str
    severity: str
    title: str
    explanation: str
    remediation: str
    evidence: list[Any]
    count: int


class ArtifactsRead(Read):
    """A case's artifacts (newest first) and findings (most severe first)."""

    artifacts: list[ArtifactRead]
    findings: list[FindingRead]


class UploadCreate(Body):
    """Start a resumable upload of `size` bytes."""

    kind: str = Field(max_length=32)
    size: int = Field(gt=0)
    name: str = Field(default="upload", max_length=255)
    row_id: int | None = None


class UploadRead(Read):
    """A resumable upload: send bytes `received`.. next, with Content-Range."""

    id: str
    case_id: int
    row_id: int | None
    kind: str
    original_name: str
    size: int
    received: int
    status: str
    artifact_id: int | None
    chunk_size: int
