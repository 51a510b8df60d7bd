"""Diagnostic intake entities: requests, the rows they expand into, artifacts, uploads, findings.

Field names match the columns of the intake tables so adapters can build them straight from rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class RowStatus(StrEnum):
    """Where one requested item stands; requested and rejected rows wait on the customer."""

    REQUESTED = "requested"
    RECEIVED = "received"
    VALIDATED = "validated"
    REJECTED = "rejected"
    WAIVED = "waived"


@dataclass(frozen=True)
class DiagnosticRequest:
    """Support asking for one kind of artifact, expanded into rows (case, env or instance)."""

    id: int
    case_id: int
    kind: str
    label: str
    note: str
    due_at: datetime | None
    expand: str
    created_by: int | None
    created_at: datetime
    reminded_at: datetime | None = None


@dataclass(frozen=True)
class RequestRow:
    """One thing the customer must provide (e.g. the heap profile of prod/cluster-a)."""

    id: int
    request_id: int
    case_id: int
    environment_id: int | None
    instance_id: int | None
    label: str
    status: RowStatus
    reason: str
    status_by: int | None
    status_at: datetime


@dataclass(frozen=True)
class ArtifactRecord:
    """An accepted upload: sanitised content in the object store under `content_key`."""

    id: int
    case_id: int
    row_id: int | None
    kind: str
    content_key: str
    size: int
    original_name: str
    summary: Mapping[str, Any]
    redaction: Mapping[str, Any]
    status: str
    analysis_error: str
    analyzable: bool
    uploaded_by: int | None
    uploaded_at: datetime
    deleted_at: datetime | None = None
    incoming_key: str = ""
    progress: str = ""


@dataclass(frozen=True)
class UploadSession:
    """A resumable chunked upload: bytes received so far of a file of `size` bytes."""

    id: str
    case_id: int
    row_id: int | None
    kind: str
    original_name: str
    size: int
    received: int
    status: str
    artifact_id: int | None
    created_by: int
    created_at: datetime
    updated_at: datetime
    store_upload: str = ""
    parts: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class FindingRecord:
    """One analyzer finding stored on a case, from one artifact."""

    id: int
    artifact_id: int
    case_id: int
    rule_id: str
    category: str
    severity: str
    title: str
    explanation: str
    remediation: str
    evidence: list[Any]
    count: int
