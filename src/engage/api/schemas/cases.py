"""Case request and response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from engage.api.schemas.base import Body, Read
from engage.domain.cases import CaseStatus, ComponentArea, LinkKind, Severity, SlaFlag
from engage.services.cases import COMMENT_MAX, DESCRIPTION_MAX, TITLE_MAX


class CaseCreate(Body):
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    description: str = Field(default="", max_length=DESCRIPTION_MAX)
    severity: Severity = Severity.P3
    area: ComponentArea | None = None
    org_id: int | None = None
    environment_id: int | None = None
    instance_ids: list[int] = Field(default_factory=list, max_length=100)


class CaseUpdate(Body):
    title: str | None = Field(default=None, min_length=1, max_length=TITLE_MAX)
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX)
    severity: Severity | None = None
    area: ComponentArea | None = None
    environment_id: int | None = None
    instance_ids: list[int] | None = Field(default=None, max_length=100)


class CaseTransition(Body):
    to: CaseStatus


class CaseAssign(Body):
    assignee_id: int | None
    engineer_ids: list[int] | None = Field(default=None, max_length=20)


class CommentCreate(Body):
    body: str = Field(min_length=1, max_length=COMMENT_MAX)
    internal: bool = False


class SplitPartIn(Body):
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    description: str = Field(default="", max_length=DESCRIPTION_MAX)
    area: ComponentArea
    severity: Severity | None = None
    assignee_id: int | None = None


class SplitRequest(Body):
    parts: list[SplitPartIn] = Field(min_length=1, max_length=10)


class LinkCreate(Body):
    other_case_id: int
    kind: Literal["related", "duplicate_of"]


class ScopeCheckIn(Body):
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    description: str = Field(default="", max_length=DESCRIPTION_MAX)


class ScopePartRead(Read):
    summary: str
    area: ComponentArea


class ScopeRead(Read):
    verdict: Literal["single", "multi"]
    parts: list[ScopePartRead]
    confidence: float
    reasons: list[str]


class ClockRead(Read):
    kind: str
    state: str
    due_at: datetime | None
    target_minutes: int
    elapsed_minutes: float
    remaining_minutes: float
    met_at: datetime | None


class LinkRead(Read):
    id: int
    from_case_id: int
    to_case_id: int
    kind: LinkKind


class CommentRead(Read):
    id: int
    case_id: int
    author_id: int
    body: str
    internal: bool
    created_at: datetime


class EventRead(Read):
    id: int
    kind: str
    actor_id: int | None
    data: dict[str, Any]
    internal: bool
    created_at: datetime


class CaseRead(Read):
    id: int
    org_id: int
    title: str
    description: str
    severity: Severity
    area: ComponentArea
    status: CaseStatus
    reporter_id: int
    assignee_id: int | None
    environment_id: int | None
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    sla_due_at: datetime | None
    sla_flag: SlaFlag
    version: int


class CaseDetail(CaseRead):
    engineer_ids: list[int]
    instance_ids: list[int]
    sla: list[ClockRead]
    sla_notes: list[str] = Field(description="why targets differ from the plan (security policy)")
    links: list[LinkRead]
    allowed_transitions: list[CaseStatus]
    comments: list[CommentRead]
    timeline: list[EventRead]


class CaseCreated(Body):
    case: CaseDetail
    scope: ScopeRead


class CasePage(Body):
    items: list[CaseRead]
    total: int
    total_is_capped: bool
    limit: int
    offset: int
    links: dict[str, str | None] = Field(default_factory=dict)


class SplitResult(Body):
    created: list[CaseRead]
