"""Security policy per organisation, break-glass approvals, audit export, policy report."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from engage.api.deps import ActorDep, EngageDep, UowDep
from engage.api.schemas.policy import (
    BreakGlassIn,
    BreakGlassRead,
    PolicyRead,
    PolicyReportRead,
    PolicyUpdate,
)
from engage.domain.policy import SecurityPolicy, policy_to_dict
from engage.services import policy as svc

router = APIRouter(tags=["security policy"])


def _read(p: SecurityPolicy) -> PolicyRead:
    return PolicyRead(
        **policy_to_dict(p),
        allowed_kinds=p.allowed_kinds(),
        restrictions=[r.value for r in p.restrictions()],
        turnaround_notes=p.explain(),
    )


@router.get("/orgs/{org_id}/policy", response_model=PolicyRead)
def get_policy(org_id: int, uow: UowDep, actor: ActorDep) -> PolicyRead:
    """The organisation's security policy, what it allows and how turnaround adapts."""
    return _read(svc.get_policy(uow, actor=actor, org_id=org_id))


@router.patch("/orgs/{org_id}/policy", response_model=PolicyRead)
def set_policy(
    org_id: int, body: PolicyUpdate, engage: EngageDep, uow: UowDep, actor: ActorDep
) -> PolicyRead:
    """Change the policy (the organisation's admin); every change goes on the audit trail."""
    changes = body.model_dump(exclude_unset=True, mode="json")
    return _read(svc.set_policy(uow, engage.clock, actor=actor, org_id=org_id, changes=changes))


@router.post("/cases/{case_id}/break-glass", status_code=201, response_model=BreakGlassRead)
def break_glass(
    case_id: int, body: BreakGlassIn, engage: EngageDep, uow: UowDep, actor: ActorDep
) -> BreakGlassRead:
    """A named contact allows one artifact kind on this case for a week, above the policy."""
    a = svc.approve_break_glass(
        uow, engage.clock, actor=actor, case_id=case_id, kind=body.kind, reason=body.reason
    )
    return BreakGlassRead.model_validate(a)


@router.get("/orgs/{org_id}/audit")
def export_audit(
    org_id: int,
    uow: UowDep,
    actor: ActorDep,
    format: Annotated[Literal["csv", "json"], Query()] = "json",
    since: datetime | None = None,
    until: datetime | None = None,
) -> Response:
    """The organisation's audit trail as CSV or JSON (support managers)."""
    body = svc.export_audit(uow, actor=actor, org_id=org_id, fmt=format, since=since, until=until)
    media = "text/csv" if format == "csv" else "application/json"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="audit-org-{org_id}.{format}"'},
    )


@router.get("/reports/policy", response_model=list[PolicyReportRead])
def policy_report(engage: EngageDep, uow: UowDep, actor: ActorDep) -> list[PolicyReportRead]:
    """Cases by the restrictions of their organisation's policy (support)."""
    return [
        PolicyReportRead.model_validate(r)
        for r in svc.policy_report(uow, engage.clock, actor=actor)
    ]
