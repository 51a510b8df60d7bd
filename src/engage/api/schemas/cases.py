"""Case request and response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from engage.api.schemas.base import Body, Read
from engage.domain.cases import CaseStatus, ComponentArea, LinkKind, Severity, SlaFlag
from engage.services.cases import COMMENT_MAX, DESCRIPTION_MAX, TITLE_MAX


class CaseCreate(Body):
    """A new case: title, description, severity and what it affects."""

    title: str = Field(min_length=1, max_length=TITLE_MAX)
    description: str = Field(default="", max_length=DESCRIPTION_MAX)
    severity: Severity = Severity.P3
    area: ComponentArea | None = None
    org_id: int | None = None
    environment_id: int | None = None
    instance_ids: list[int] = Field(default_factory=list, max_length=100)


class CaseUpdate(Body):
    """Changes to a case's editable fields (guarded by If-Match)."""

    title: str | None = Field(default=None, min_length=1, max_length=TITLE_MAX)
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX)
    severity: Severity | None = None
    area: ComponentArea | None = None
    environment_id: int | None = None
    instance_ids: list[int] | None = Field(default=None, max_length=100)


class CaseTransition(Body):
    """A named workflow move (e.g. ask_customer, resolve)."""

    to: CaseStatus


class CaseAssign(Body):
    """The assignee and additional engineers of a case."""

    assignee_id: int | None
    engineer_ids: list[int] | None = Field(default=None, max_length=20)


class CommentCreate(Body):
    """A comment, or an internal note (support only)."""

    body: str = Field(min_length=1, max_length=COMMENT_MAX)
    internal: bool = False


class SplitPartIn(Body):
    """One part of a split: the new case's title, area and description."""

    title: str = Field(min_length=1, max_length=TITLE_MAX)
    description: str = Field(default="", max_length=DESCRIPTION_MAX)
    area: ComponentArea
    severity: Severity | None = None
    assignee_id: int | None = None


class SplitRequest(Body):
    """Split a case into the given parts."""

    parts: list[SplitPartIn] = Field(min_length=1, max_length=10)


class LinkCreate(Body):
    """Link two cases (related, duplicate of)."""

    other_case_id: int
    kind: Literal["related", "duplicate_of"]


class ScopeCheckIn(Body):
    """A case text to check for one issue or several."""

    title: str = Field(min_length=1, max_length=TITLE_MAX)
    description: str = Field(default="", max_length=DESCRIPTION_MAX)


class ScopePartRead(Read):
    """One issue found in a text: a short title and its area."""

    summary: str
    area: ComponentArea


class ScopeRead(Read):
    """The one-issue check's verdict, parts, confidence and reasons."""

    verdict: Literal["single", "multi"]
    parts: list[ScopePartRead]
    confidence: float
    reasons: list[str]


class ClockRead(Read):
    """One SLA clock: target, due instant, paused or met."""

    kind: str
    state: str
    due_at: datetime | None
    target_minutes: int
    elapsed_minutes: float
    remaining_minutes: float
    met_at: datetime | None


class LinkRead(Read):
    """A link from this case to another."""

    id: int
    from_case_id: int
    to_case_id: int
    kind: LinkKind


class CommentRead(Read):
    """A comment on a case."""

    id: int
    case_id: int
    author_id: int
    body: str
    internal: bool
    created_at: datetime


class EventRead(Read):
    """One timeline event of a case."""

    id: int
    kind: str
    actor_id: int | None
    data: dict[str, Any]
    internal: bool
    created_at: datetime


class CaseRead(Read):
    """A case as the queue lists it."""

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
    """A case with its clocks, comments, timeline and links."""

    engineer_ids: list[int]
    instance_ids: list[int]
    sla: list[ClockRead]
    sla_notes: list[str] = Field(description="why targets differ from the plan (security policy)")
    links: list[LinkRead]
    allowed_transitions: list[CaseStatus]
    comments: list[CommentRead]
    timeline: list[EventRead]


class CaseCreated(Body):
    """A new case and, when it reads as several issues, the split offer."""

    case: CaseDetail
    scope: ScopeRead


class CasePage(Body):
    """One page of cases and the (capped) total."""

    items: list[CaseRead]
    total: int
    total_is_capped: bool
    limit: int
    offset: int
    links: dict[str, str | None] = Field(default_factory=dict)


class SplitResult(Body):
    """The cases a split created."""

    created: list[CaseRead]
