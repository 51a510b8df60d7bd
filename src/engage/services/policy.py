"""Organisation security policy: read, change (audited), break-glass approvals, audit export."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from engage.domain.audit import AuditEntry, BreakGlassApproval
from engage.domain.cases import OPEN_STATUSES
from engage.domain.errors import NotFound, PermissionDenied, ValidationFailed
from engage.domain.policy import (
    ALL_KINDS,
    SecurityPolicy,
    policy_from_dict,
    policy_to_dict,
)
from engage.domain.users import Role, User
from engage.services.access import require_role, visible_case, visible_org
from engage.services.cases import record_event, refresh_case_sla
from engage.services.ports import CaseQuery, Clock, UnitOfWork

BREAK_GLASS_DAYS = 7
EDITABLE = {
    "data_sharing",
    "screen_sharing",
    "recording",
    "meeting_tools",
    "retention_days",
    "support_may_download",
    "break_glass_contacts",
    "adjustments",
    "custom_meeting_url",
    "pseudonymize",
}


def record_audit(
    uow: UnitOfWork,
    clock: Clock,
    *,
    org_id: int,
    actor: User | None,
    kind: str,
    case_id: int | None = None,
    **data: Any,
) -> None:
    """Append to the organisation's audit trail (no commit: part of the caller's unit)."""
    uow.audit.add(
        AuditEntry(
            org_id=org_id,
            kind=kind,
            created_at=clock.now(),
            actor_id=actor.id if actor else None,
            case_id=case_id,
            data=data,
        )
    )


def get_policy(uow: UnitOfWork, *, actor: User, org_id: int) -> SecurityPolicy:
    """The organisation's policy (its own people and support may read it)."""
    return policy_from_dict(visible_org(uow, actor, org_id).policy)


def set_policy(
    uow: UnitOfWork, clock: Clock, *, actor: User, org_id: int, changes: dict[str, Any]
) -> SecurityPolicy:
    """Change the policy (the organisation's admin); audited; open cases' SLA targets follow."""
    org = visible_org(uow, actor, org_id)
    if actor.is_support:
        raise PermissionDenied("the organisation's admin sets its security policy")
    require_role(actor, {Role.CUSTOMER_ADMIN}, "change the security policy")
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValidationFailed(f"unknown policy fields: {', '.join(sorted(unknown))}")
    before = policy_to_dict(policy_from_dict(org.policy))
    after = policy_to_dict(policy_from_dict({**before, **changes}))  # validates
    diff = {k: {"from": before.get(k), "to": v} for k, v in after.items() if before.get(k) != v}
    if not diff:
        return policy_from_dict(after)
    org.policy = after
    record_audit(uow, clock, org_id=org_id, actor=actor, kind="policy_changed", changes=diff)
    _refresh_open_cases(uow, clock, org_id)
    uow.commit()
    return policy_from_dict(after)


def _refresh_open_cases(uow: UnitOfWork, clock: Clock, org_id: int) -> None:
    """Recompute stored SLA projections of the org's open cases under the new policy."""
    offset = 0
    while True:
        page, _ = uow.cases.query(
            CaseQuery(
                org_ids=(org_id,),
                statuses=tuple(OPEN_STATUSES),
                limit=200,
                offset=offset,
                sort="created",
            )
        )
        for case in page:
            refresh_case_sla(uow, clock, case)  # targets changed; the case itself did not
        if len(page) < 200:
            return
        offset += 200


def approve_break_glass(
    uow: UnitOfWork, clock: Clock, *, actor: User, case_id: int, kind: str, reason: str
) -> BreakGlassApproval:
    """A named contact lets `kind` through on one case for a week, above the policy."""
    case = visible_case(uow, actor, case_id)
    org = visible_org(uow, actor, case.org_id)
    policy = policy_from_dict(org.policy)
    if actor.is_support or actor.email.lower() not in policy.break_glass_contacts:
        raise PermissionDenied("only the organisation's named break-glass contacts may approve")
    if kind not in ALL_KINDS:
        raise ValidationFailed(f"unknown artifact kind {kind!r}")
    if policy.allows_kind(kind):
        raise ValidationFailed(f"the policy already allows {kind}; no approval is needed")
    if not 10 <= len(reason.strip()) <= 2000:
        raise ValidationFailed("give a reason of 10-2000 characters")
    now = clock.now()
    assert case.id is not None
    approval = BreakGlassApproval(
        org_id=case.org_id,
        case_id=case.id,
        kind=kind,
        approved_by=actor.id,
        reason=reason.strip(),
        created_at=now,
        expires_at=now + timedelta(days=BREAK_GLASS_DAYS),
    )
    uow.audit.add_approval(approval)
    record_audit(
        uow,
        clock,
        org_id=case.org_id,
        actor=actor,
        kind="break_glass_approved",
        case_id=case.id,
        artifact_kind=kind,
        reason=approval.reason,
        expires_at=approval.expires_at.isoformat(),
    )
    record_event(
        uow,
        clock,
        case,
        actor,
        "break_glass",
        artifact_kind=kind,
        expires_at=approval.expires_at.isoformat(),
    )
    uow.commit()
    return approval


def artifact_allowed(
    uow: UnitOfWork, clock: Clock, *, org_policy: dict[str, Any] | None, case_id: int, kind: str
) -> bool:
    """Whether the policy, or a live break-glass approval on this case, allows `kind`."""
    if policy_from_dict(org_policy).allows_kind(kind):
        return True
    now = clock.now()
    return any(a.kind == kind and a.expires_at > now for a in uow.audit.approvals(case_id))


def export_audit(
    uow: UnitOfWork,
    *,
    actor: User,
    org_id: int,
    fmt: str,
    since: datetime | None = None,
    until: datetime | None = None,
) -> str:
    """The audit trail as CSV or JSON (support managers)."""
    visible_org(uow, actor, org_id)
    require_role(actor, {Role.SUPPORT_MANAGER}, "export audit trails")
    if fmt not in ("csv", "json"):
        raise ValidationFailed("format must be csv or json")
    rows = [
        {
            "at": e.created_at.isoformat(),
            "kind": e.kind,
            "actor_id": e.actor_id,
            "actor": _email(uow, e.actor_id),
            "case_id": e.case_id,
            "data": e.data or {},
        }
        for e in uow.audit.entries(org_id, since=since, until=until)
    ]
    if fmt == "json":
        return json.dumps(rows, indent=2, default=str)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["at", "kind", "actor_id", "actor", "case_id", "data"])
    for r in rows:
        w.writerow(
            [
                r["at"],
                r["kind"],
                r["actor_id"] or "",
                r["actor"],
                r["case_id"] or "",
                json.dumps(r["data"], sort_keys=True, default=str),
            ]
        )
    return buf.getvalue()


def _email(uow: UnitOfWork, user_id: int | None) -> str:
    user = uow.users.get(user_id) if user_id is not None else None
    return user.email if user else ""


@dataclass
class PolicyReportRow:
    """Cases grouped by the restrictions of their organisation's policy."""

    restrictions: str
    organisations: int
    cases: int
    open: int
    resolved: int
    breached_now: int
    mean_hours_to_resolve: float | None


def policy_report(uow: UnitOfWork, clock: Clock, *, actor: User) -> list[PolicyReportRow]:
    """What restrictions cost: case counts, breaches and time to resolve, by policy (support)."""
    if not actor.is_support:
        raise NotFound("reports are for support")
    now = clock.now()
    groups: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"orgs": 0, "cases": 0, "open": 0, "resolved": 0, "breached": 0, "hours": []}
    )
    for org in uow.orgs.all():
        assert org.id is not None
        key = ", ".join(r.value for r in policy_from_dict(org.policy).restrictions()) or "none"
        g = groups[key]
        g["orgs"] += 1
        offset = 0
        while True:
            page, _ = uow.cases.query(
                CaseQuery(org_ids=(org.id,), limit=200, offset=offset, sort="created")
            )
            for c in page:
                g["cases"] += 1
                if c.is_open:
                    g["open"] += 1
                    g["breached"] += int(c.sla_due_at is not None and c.sla_due_at <= now)
                elif c.resolved_at and c.created_at:
                    g["resolved"] += 1
                    g["hours"].append((c.resolved_at - c.created_at).total_seconds() / 3600)
            if len(page) < 200:
                break
            offset += 200
    return [
        PolicyReportRow(
            restrictions=k,
            organisations=g["orgs"],
            cases=g["cases"],
            open=g["open"],
            resolved=g["resolved"],
            breached_now=g["breached"],
            mean_hours_to_resolve=round(sum(g["hours"]) / len(g["hours"]), 1)
            if g["hours"]
            else None,
        )
        for k, g in sorted(groups.items())
    ]
