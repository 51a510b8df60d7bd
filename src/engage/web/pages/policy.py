"""Security policy pages: the organisation's policy (its admin edits it), the policy report
for support, and the audit trail export for support managers."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from engage.domain.errors import EngageError, NotFound
from engage.domain.meetings import MeetingTool
from engage.domain.policy import PSEUDONYM_KINDS, DataSharing, policy_to_dict
from engage.services import policy as svc
from engage.services.access import visible_org
from engage.services.orgs import list_orgs
from engage.web.deps import EngageDep, FormDep, UowDep, UserDep
from engage.web.templating import NAV, render

router = APIRouter(include_in_schema=False)
NAV.append(("Security policy", "/policy"))


@router.get("/policy")
def policy_home(user: UserDep, uow: UowDep) -> Response:
    """Customers go to their organisation's policy; support to the list and report."""
    if not user.is_support:
        return RedirectResponse(f"/orgs/{user.org_id}/policy", status_code=303)
    return RedirectResponse("/reports/policy", status_code=303)


def _page(
    request: Request,
    uow: UowDep,
    user: UserDep,
    org_id: int,
    *,
    error: str = "",
    status_code: int = 200,
) -> Response:
    org = visible_org(uow, user, org_id)
    policy = svc.get_policy(uow, actor=user, org_id=org_id)
    can_edit = not user.is_support and user.org_id == org_id and user.role == "customer_admin"
    return render(
        request,
        "policy/org.html",
        {
            "org": org,
            "policy": policy,
            "raw": policy_to_dict(policy),
            "can_edit": can_edit,
            "sharing_choices": [d.value for d in DataSharing],
            "tool_choices": [t.value for t in MeetingTool],
            "pseudonym_choices": PSEUDONYM_KINDS,
            "can_export": user.role == "support_manager",
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/orgs/{org_id}/policy")
def org_policy(org_id: int, request: Request, uow: UowDep, user: UserDep) -> Response:
    """The policy, what it allows, and how it changes turnaround."""
    return _page(request, uow, user, org_id)


@router.post("/orgs/{org_id}/policy")
def update_policy(
    org_id: int, request: Request, engage: EngageDep, uow: UowDep, user: UserDep, form: FormDep
) -> Response:
    """Save the admin's changes; errors re-render the form with the message."""
    contacts = [
        e.strip().lower() for e in str(form.get("break_glass_contacts", "")).split(",") if e.strip()
    ]
    retention = str(form.get("retention_days", ""))
    changes = {
        "data_sharing": str(form.get("data_sharing", "")),
        "screen_sharing": form.get("screen_sharing") == "on",
        "recording": form.get("recording") == "on",
        "support_may_download": form.get("support_may_download") == "on",
        "meeting_tools": [str(t) for t in form.getlist("meeting_tools")],
        "retention_days": int(retention) if retention.isdigit() else -1,
        "break_glass_contacts": contacts,
        "custom_meeting_url": str(form.get("custom_meeting_url", ""))[:500],
        "pseudonymize": [str(k) for k in form.getlist("pseudonymize")],
    }
    try:
        svc.set_policy(uow, engage.clock, actor=user, org_id=org_id, changes=changes)
    except NotFound:
        raise
    except EngageError as exc:
        return _page(request, uow, user, org_id, error=str(exc), status_code=exc.status)
    request.session["flash"] = "Security policy saved; the change is on the audit trail."
    return RedirectResponse(f"/orgs/{org_id}/policy", status_code=303)


@router.get("/orgs/{org_id}/audit.{fmt}")
def audit_export(org_id: int, fmt: str, uow: UowDep, user: UserDep) -> Response:
    """Download the audit trail (support managers)."""
    body = svc.export_audit(uow, actor=user, org_id=org_id, fmt=fmt)
    media = "text/csv" if fmt == "csv" else "application/json"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="audit-org-{org_id}.{fmt}"'},
    )


@router.get("/reports/policy")
def report(request: Request, engage: EngageDep, uow: UowDep, user: UserDep) -> Response:
    """Cases by policy restrictions, and every organisation's policy (support)."""
    rows = svc.policy_report(uow, engage.clock, actor=user)
    orgs = [
        (o, svc.get_policy(uow, actor=user, org_id=o.id or 0)) for o in list_orgs(uow, actor=user)
    ]
    return render(request, "policy/report.html", {"rows": rows, "orgs": orgs})
