"""The organisation audit trail and break-glass approvals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class AuditEntry:
    """One line of an organisation's audit trail."""

    org_id: int
    kind: str
    created_at: datetime
    actor_id: int | None = None
    case_id: int | None = None
    data: dict[str, object] | None = None


@dataclass(frozen=True)
class BreakGlassApproval:
    """A named contact let one artifact kind through on one case, above the policy."""

    org_id: int
    case_id: int
    kind: str
    approved_by: int | None
    reason: str
    created_at: datetime
    expires_at: datetime
