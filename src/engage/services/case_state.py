"""Case bookkeeping every use case shares: timeline events, versions, SLA refresh, status moves."""

from __future__ import annotations

from typing import Any

from engage.domain.cases import OPEN_STATUSES, Case, CaseEvent, CaseStatus, Severity
from engage.domain.errors import StaleVersion
from engage.domain.users import User
from engage.domain.workflow import find_transition
from engage.services import notify
from engage.services.ports import Clock, UnitOfWork
from engage.services.sla import plan_from_dict, policy_adjust, refresh_sla


def from_(value: Any) -> dict[str, Any]:
    """The old value of a change, keyed `from` (a Python keyword, so no keyword argument)."""
    return {"from": value}


def record_event(
    uow: UnitOfWork,
    clock: Clock,
    case: Case,
    actor: User | None,
    kind: str,
    internal: bool = False,
    **data: Any,
) -> None:
    """Append an event to the case's timeline (appends never conflict with each other)."""
    assert case.id is not None
    uow.cases.add_event(
        CaseEvent(
            case_id=case.id,
            kind=kind,
            actor_id=actor.id if actor else None,
            data=data,
            internal=internal,
            created_at=clock.now(),
        )
    )


def refresh_case_sla(uow: UnitOfWork, clock: Clock, case: Case) -> None:
    """Re-project the case's SLA clocks into its indexed due columns (no commit)."""
    org = uow.orgs.get(case.org_id)
    assert org is not None and case.id is not None
    uow.flush()
    refresh_sla(
        case,
        plan_from_dict(org.plan),
        uow.cases.status_history(case.id),
        clock.now(),
        policy_adjust(org.policy, Severity(case.severity)),
    )


def check_version(case: Case, expected: int | None) -> None:
    """Reject a write made against an older version (the If-Match header)."""
    if expected is not None and expected != case.version:
        raise StaleVersion(
            f"case {case.id} is at version {case.version}, not {expected}; reload it and try again"
        )


def bump_version(case: Case) -> None:
    """A field If-Match protects changed: a new version, so a stale ETag now gets 412."""
    case.version = (case.version or 0) + 1


def touch(uow: UnitOfWork, clock: Clock, case: Case) -> None:
    """Mark a customer-visible change: updated_at moves and the SLA clocks are re-projected."""
    case.updated_at = clock.now()
    refresh_case_sla(uow, clock, case)


def set_status(
    uow: UnitOfWork,
    clock: Clock,
    case: Case,
    actor: User | None,
    target: CaseStatus,
    transition: str,
) -> None:
    """Move the case to `target`: a new version and a status event on the timeline."""
    old = CaseStatus(case.status)
    case.status = target
    bump_version(case)
    if target == CaseStatus.RESOLVED:
        case.resolved_at = clock.now()
    elif old == CaseStatus.RESOLVED and target in OPEN_STATUSES:
        case.resolved_at = None  # reopened; closing keeps when it was resolved
    record_event(
        uow,
        clock,
        case,
        actor,
        "status",
        to=target.value,
        **from_(old.value),
        transition=transition,
    )
    notify.status_changed(uow, clock, case, actor, old.value, target.value)


def system_transition(
    uow: UnitOfWork, clock: Clock, case: Case, to: CaseStatus, reason: str
) -> None:
    """A move the system makes (e.g. all diagnostics received); no commit."""
    if CaseStatus(case.status) == to:
        return
    t = find_transition(CaseStatus(case.status), to, is_support=True)
    set_status(uow, clock, case, None, t.target, f"{t.name}: {reason}")
    touch(uow, clock, case)
