"""Case vocabulary: severities, component areas and statuses (plain Python)."""

from __future__ import annotations

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
