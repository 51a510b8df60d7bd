"""Notification pages: the list behind the bell (unread first) and the per-kind settings."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from engage.domain.notifications import KINDS, Mode
from engage.services import notify
from engage.web.deps import EngageDep, FormDep, UowDep, UserDep
from engage.web.templating import render

router = APIRouter(include_in_schema=False)
MODE_LABELS = {Mode.NOW: "At once", Mode.DIGEST: "Daily digest", Mode.OFF: "Off"}


@router.get("/notifications")
def notifications(request: Request, uow: UowDep, user: UserDep) -> Response:
    """Your notifications, unread first."""
    items, unread = notify.list_notifications(uow, actor=user, limit=100)
    return render(request, "notifications/list.html", {"items": items, "unread": unread})


@router.post("/notifications/read")
def mark_read(engage: EngageDep, uow: UowDep, user: UserDep, form: FormDep) -> Response:
    """Mark one notification (``id``) or all of them read, then go where it points."""
    raw = str(form.get("id", ""))
    notify.mark_read(uow, engage.clock, actor=user, ids=[int(raw)] if raw.isdigit() else None)
    target = str(form.get("next", ""))
    safe = target.startswith("/cases/") and target[7:].isdigit()
    return RedirectResponse(target if safe else "/notifications", status_code=303)


@router.get("/notifications/settings")
def settings(request: Request, uow: UowDep, user: UserDep) -> Response:
    """How you hear of each kind: at once, in a daily digest, or not by mail."""
    prefs = notify.get_prefs(uow, actor=user)
    rows = [(k, KINDS[k].headline, m, KINDS[k].default) for k, m in prefs.items()]
    return render(request, "notifications/settings.html", {"rows": rows, "modes": MODE_LABELS})


@router.post("/notifications/settings")
def save_settings(uow: UowDep, user: UserDep, form: FormDep, request: Request) -> Response:
    """Save the chosen modes."""
    current = notify.get_prefs(uow, actor=user)
    modes = {k.value: str(form.get(k.value, m.value)) for k, m in current.items()}
    notify.set_prefs(uow, actor=user, modes=modes)
    request.session["flash"] = "Notification settings saved."
    return RedirectResponse("/notifications/settings", status_code=303)
