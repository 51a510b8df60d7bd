"""Webhook pages: an organisation admin (or support, for its own) registers endpoints and sees
each endpoint's recent deliveries with their status."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from engage.domain.errors import EngageError
from engage.domain.users import User
from engage.services import webhooks as svc
from engage.services.ports import UnitOfWork, WebhookSender
from engage.web.deps import EngageDep, FormDep, UowDep, UserDep
from engage.web.templating import render

router = APIRouter(include_in_schema=False)


def _owner(user: User) -> int | None:
    return None if user.is_support else user.org_id


def _page(
    request: Request, uow: UnitOfWork, user: User, *, error: str = "", secret: str = ""
) -> Response:
    hooks = svc.list_webhooks(uow, actor=user, org_id=_owner(user))
    rows = [(h, uow.notify.deliveries(h.id, limit=5)) for h in hooks]
    context = {"rows": rows, "events": svc.EVENTS, "error": error, "secret": secret}
    return render(
        request, "notifications/webhooks.html", context, status_code=422 if error else 200
    )


@router.get("/webhooks")
def webhooks(request: Request, uow: UowDep, user: UserDep) -> Response:
    """Your organisation's endpoints (support: support's own) and their latest deliveries;
    other people get the permission error page."""
    return _page(request, uow, user)


@router.post("/webhooks")
def add(request: Request, engage: EngageDep, uow: UowDep, user: UserDep, form: FormDep) -> Response:
    """Register an endpoint; its signing secret is shown once."""
    tools = engage.extras["mail_tools"]
    sender: WebhookSender = tools.sender  # type: ignore[attr-defined]
    try:
        hook = svc.create_webhook(
            uow, engage.clock, sender, actor=user, org_id=_owner(user),
            url=str(form.get("url", "")).strip(),
            events=[str(e) for e in form.getlist("events")],
            format=str(form.get("format", "json")),
            description=str(form.get("description", "")),
            allow_http=engage.settings.allow_private_webhooks,
        )  # fmt: skip
    except EngageError as exc:
        return _page(request, uow, user, error=str(exc))
    return _page(request, uow, user, secret=hook.secret)


@router.post("/webhooks/{webhook_id}/delete")
def remove(webhook_id: int, uow: UowDep, user: UserDep, form: FormDep) -> Response:
    """Remove an endpoint."""
    svc.delete_webhook(uow, actor=user, webhook_id=webhook_id)
    return RedirectResponse("/webhooks", status_code=303)
