"""Case vocabulary: severities, component areas and statuses (plain Python)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Severity(StrEnum):
    """P1 is production down; P4 is a question."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


class ComponentArea(StrEnum):
    """The Kubecost area a case is about."""

    INSTALL_UPGRADE = "install-upgrade"
    COST_ALLOCATION = "cost-allocation"
    CLOUD_COSTS = "cloud-costs"
    AGGREGATOR_FEDERATION = "aggregator-federation"
    NETWORKING = "networking"
    SSO_AUTH = "sso-auth"
    ALERTS_BUDGETS_REPORTS = "alerts-budgets-reports"
    SAVINGS_RECOMMENDATIONS = "savings-recommendations"
    PERFORMANCE_MEMORY = "performance-memory"
    OTHER = "other"


class CaseStatus(StrEnum):
    """Where a case stands; transitions are in engage.domain.workflow."""

    NEW = "new"
    TRIAGE = "triage"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    WAITING_ON_SUPPORT = "waiting_on_support"
    SESSION_SCHEDULED = "session_scheduled"
    RESOLVED = "resolved"
    CLOSED = "closed"


OPEN_STATUSES = frozenset(
    {
        CaseStatus.NEW,
        CaseStatus.TRIAGE,
        CaseStatus.WAITING_ON_CUSTOMER,
        CaseStatus.WAITING_ON_SUPPORT,
        CaseStatus.SESSION_SCHEDULED,
    }
)


class LinkKind(StrEnum):
    """How two cases relate."""

    SPLIT_FROM = "split_from"
    RELATED = "related"
    DUPLICATE_OF = "duplicate_of"


class SlaFlag(StrEnum):
    """The worst state of a case's running SLA clocks, stored for cheap queue filters."""

    OK = "ok"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    PAUSED = "paused"
    NONE = "none"


@dataclass(eq=False)
class Case:
    """A support case: one issue, one clock set, one timeline."""

    org_id: int
    title: str
    description: str
    severity: Severity
    area: ComponentArea
    reporter_id: int
    status: CaseStatus = CaseStatus.NEW
    assignee_id: int | None = None
    environment_id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    first_response_at: datetime | None = None
    last_support_update_at: datetime | None = None
    resolved_at: datetime | None = None
    # SLA projections, recomputed on every change and stored as indexed columns.
    first_response_due_at: datetime | None = None
    next_update_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    sla_due_at: datetime | None = None
    sla_at_risk_at: datetime | None = None
    sla_flag: SlaFlag = SlaFlag.NONE
    version: int = 1
    id: int | None = None

    @property
    def is_open(self) -> bool:
        """True until resolved or closed."""
        return CaseStatus(self.status) in OPEN_STATUSES


@dataclass(eq=False)
class Comment:
    """A public reply or an internal note (support only)."""

    case_id: int
    author_id: int
    body: str
    internal: bool = False
    created_at: datetime | None = None
    id: int | None = None


@dataclass(eq=False)
class CaseEvent:
    """One line of a case timeline: who did what, when; internal events stay with support."""

    case_id: int
    kind: str
    actor_id: int | None
    data: dict[str, object] = field(default_factory=dict)
    internal: bool = False
    created_at: datetime | None = None
    id: int | None = None


@dataclass(eq=False)
class CaseLink:
    """A directed link: from_case is <kind> to_case (e.g. 12 split_from 7)."""

    from_case_id: int
    to_case_id: int
    kind: LinkKind
    created_at: datetime | None = None
    id: int | None = None
