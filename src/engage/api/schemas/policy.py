"""Security policy, break-glass and report bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from pydantic import Field

from engage.api.schemas.base import Body, Read
from engage.domain.meetings import MeetingTool

Restriction = Literal["findings-only", "none", "no-screen-share"]
#: Network identities a policy has the server pseudonymise (engage.domain.policy.PSEUDONYM_KINDS).
PseudonymKind = Literal["ips", "macs", "hostnames", "domains", "emails", "accounts"]


class AdjustmentIn(Body):
    """How much one restriction stretches the SLA targets."""

    factor: float = Field(default=1.0, ge=1.0, le=10.0)
    added_hours: dict[Literal["P1", "P2", "P3", "P4"], float] = Field(default_factory=dict)


class PolicyUpdate(Body):
    """Changes to an organisation's security policy."""

    data_sharing: Literal["raw", "redacted", "findings-only", "none"] | None = None
    screen_sharing: bool | None = None
    recording: bool | None = None
    meeting_tools: list[MeetingTool] | None = Field(default=None, min_length=1)
    retention_days: int | None = Field(default=None, ge=1, le=3650)
    support_may_download: bool | None = None
    break_glass_contacts: list[str] | None = Field(default=None, max_length=20)
    adjustments: dict[Restriction, AdjustmentIn] | None = None
    custom_meeting_url: str | None = Field(default=None, max_length=500)
    pseudonymize: list[PseudonymKind] | None = Field(
        default=None, max_length=len(get_args(PseudonymKind))
    )


class PolicyRead(Read):
    """An organisation's security policy and what it changes."""

    data_sharing: str
    screen_sharing: bool
    recording: bool
    meeting_tools: list[str]
    retention_days: int
    support_may_download: bool
    break_glass_contacts: list[str]
    adjustments: dict[str, Any]
    custom_meeting_url: str
    pseudonymize: list[str]
    allowed_kinds: list[str]
    restrictions: list[str]
    turnaround_notes: list[str]


class BreakGlassIn(Body):
    """A break-glass approval: let one artifact kind through on one case."""

    kind: str = Field(min_length=1, max_length=32)
    reason: str = Field(min_length=10, max_length=2000)


class BreakGlassRead(Read):
    """A break-glass approval."""

    case_id: int
    kind: str
    approved_by: int | None
    reason: str
    created_at: datetime
    expires_at: datetime


class PolicyReportRead(Read):
    """Open cases grouped by the restrictions that apply to them."""

    restrictions: str
    organisations: int
    cases: int
    open: int
    resolved: int
    breached_now: int
    mean_hours_to_resolve: float | None
