"""Webhooks: register endpoints for case events, list their deliveries."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from engage.api.deps import ActorDep, EngageDep, UowDep
from engage.api.schemas.notifications import (
    DeliveryRead,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
    WebhookUpdate,
)
from engage.bootstrap import Engage
from engage.services import webhooks as svc
from engage.services.ports import WebhookSender

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


def _sender(engage: Engage) -> WebhookSender:
    tools = engage.extras["mail_tools"]
    sender: WebhookSender = tools.sender  # type: ignore[attr-defined]
    return sender


@router.post("", status_code=201, response_model=WebhookCreated)
def create(body: WebhookCreate, engage: EngageDep, uow: UowDep, actor: ActorDep) -> WebhookCreated:
    """Register an HTTPS endpoint for chosen events (``case.<kind>`` or ``*``).

    Deliveries carry ``Engage-Signature: t=<unix>,v1=<hex>``: HMAC-SHA256 with the returned
    secret over ``<t>.<body>``. The secret is shown only now.
    """
    hook = svc.create_webhook(
        uow,
        engage.clock,
        _sender(engage),
        actor=actor,
        org_id=body.org_id if body.org_id is not None or actor.is_support else actor.org_id,
        url=body.url,
        events=body.events,
        format=body.format,
        description=body.description,
        allow_http=engage.settings.allow_private_webhooks,
    )
    return WebhookCreated.model_validate(hook)


@router.get("", response_model=list[WebhookRead])
def list_hooks(
    uow: UowDep, actor: ActorDep, org_id: Annotated[int | None, Query()] = None
) -> list[WebhookRead]:
    """An organisation's endpoints (without org_id: support's own, or your organisation's)."""
    owner = org_id if org_id is not None or actor.is_support else actor.org_id
    return [
        WebhookRead.model_validate(h) for h in svc.list_webhooks(uow, actor=actor, org_id=owner)
    ]


@router.get("/events", response_model=list[str])
def events() -> list[str]:
    """Every event name an endpoint can subscribe to."""
    return list(svc.EVENTS)


@router.get("/{webhook_id}", response_model=WebhookRead)
def get(webhook_id: int, uow: UowDep, actor: ActorDep) -> WebhookRead:
    """One endpoint."""
    return WebhookRead.model_validate(svc.get_webhook(uow, actor=actor, webhook_id=webhook_id))


@router.patch("/{webhook_id}", response_model=WebhookRead)
def update(webhook_id: int, body: WebhookUpdate, uow: UowDep, actor: ActorDep) -> WebhookRead:
    """Pause, resume or change an endpoint."""
    changes = body.model_dump(exclude_unset=True)
    hook = svc.update_webhook(uow, actor=actor, webhook_id=webhook_id, changes=changes)
    return WebhookRead.model_validate(hook)


@router.delete("/{webhook_id}", status_code=204)
def delete(webhook_id: int, uow: UowDep, actor: ActorDep) -> Response:
    """Remove an endpoint and its delivery history."""
    svc.delete_webhook(uow, actor=actor, webhook_id=webhook_id)
    return Response(status_code=204)


@router.get("/{webhook_id}/deliveries", response_model=list[DeliveryRead])
def deliveries(webhook_id: int, uow: UowDep, actor: ActorDep) -> list[DeliveryRead]:
    """The endpoint's recent deliveries, newest first, with status and last error."""
    found = svc.list_deliveries(uow, actor=actor, webhook_id=webhook_id)
    return [DeliveryRead.model_validate(d) for d in found]
