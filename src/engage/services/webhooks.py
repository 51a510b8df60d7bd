"""Webhooks: organisation admins (and support, for its own tooling) register HTTPS endpoints
for chosen case events; deliveries are signed like Stripe's and retried with backoff."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from engage.domain.errors import NotFound, PermissionDenied, ValidationFailed
from engage.domain.notifications import (
    KINDS,
    MAX_ATTEMPTS,
    SIGNATURE_HEADER,
    DeliveryFailed,
    MailStatus,
    Webhook,
    WebhookDelivery,
    WebhookFormat,
    backoff,
    sign,
)
from engage.domain.users import Role, User
from engage.services.access import visible_org
from engage.services.ports import Clock, UnitOfWork, WebhookSender

EVENTS = ["*", *(f"case.{k.value}" for k in KINDS)]
STALE = timedelta(minutes=10)
MAX_PER_OWNER = 20


def _may_manage(uow: UnitOfWork, actor: User, org_id: int | None) -> None:
    if org_id is None:
        if not actor.is_support:
            raise PermissionDenied("only support may manage support's own webhooks")
        return
    visible_org(uow, actor, org_id)
    admin = Role(actor.role) is Role.CUSTOMER_ADMIN and actor.org_id == org_id
    if not admin and Role(actor.role) is not Role.SUPPORT_MANAGER:
        raise PermissionDenied("only the organisation's admin may manage its webhooks")


def _check_url(url: str, *, allow_http: bool) -> None:
    parts = urlsplit(url)
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        raise ValidationFailed(f"a webhook URL must be an absolute {' or '.join(schemes)} URL")
    if parts.username or parts.password:
        raise ValidationFailed("put credentials in the signing secret, not in the URL")
    if len(url) > 2000:
        raise ValidationFailed("a webhook URL is at most 2000 characters")


def _check_events(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - set(EVENTS))
    if not events or unknown:
        raise ValidationFailed(f"events must be a non-empty list of {EVENTS}; unknown: {unknown}")
    return sorted(set(events))


def create_webhook(
    uow: UnitOfWork,
    clock: Clock,
    sender: WebhookSender,
    *,
    actor: User,
    org_id: int | None,
    url: str,
    events: list[str],
    format: str = "json",
    description: str = "",
    allow_http: bool = False,
) -> Webhook:
    """Register an endpoint; its signing secret is in the returned value (show it once)."""
    _may_manage(uow, actor, org_id)
    _check_url(url, allow_http=allow_http)
    sender.check(url)
    if format not in WebhookFormat._value2member_map_:
        raise ValidationFailed(f"format must be one of {[f.value for f in WebhookFormat]}")
    if len(uow.notify.webhooks(org_id)) >= MAX_PER_OWNER:
        raise ValidationFailed(f"at most {MAX_PER_OWNER} webhooks per organisation")
    hook = uow.notify.add_webhook(
        org_id=org_id,
        url=url,
        secret="whsec_" + secrets.token_urlsafe(32),
        events=_check_events(events),
        format=format,
        active=True,
        description=description[:200],
        created_by=actor.id,
        created_at=clock.now(),
    )
    uow.commit()
    return hook


def get_webhook(uow: UnitOfWork, *, actor: User, webhook_id: int) -> Webhook:
    """One endpoint the actor may manage, else NotFound."""
    hook = uow.notify.get_webhook(webhook_id)
    if hook is None:
        raise NotFound(f"webhook {webhook_id} not found")
    try:
        _may_manage(uow, actor, hook.org_id)
    except PermissionDenied as exc:
        raise NotFound(f"webhook {webhook_id} not found") from exc
    return hook


def list_webhooks(uow: UnitOfWork, *, actor: User, org_id: int | None) -> list[Webhook]:
    """The endpoints of an organisation (org_id None: support's own)."""
    _may_manage(uow, actor, org_id)
    return uow.notify.webhooks(org_id)


def update_webhook(
    uow: UnitOfWork, *, actor: User, webhook_id: int, changes: dict[str, Any]
) -> Webhook:
    """Pause or resume an endpoint, or change its events or description."""
    hook = get_webhook(uow, actor=actor, webhook_id=webhook_id)
    values: dict[str, Any] = {}
    if changes.get("events") is not None:
        values["events"] = _check_events(changes["events"])
    if changes.get("active") is not None:
        values["active"] = bool(changes["active"])
    if changes.get("description") is not None:
        values["description"] = str(changes["description"])[:200]
    if values:
        uow.notify.update_webhook(hook.id, **values)
        uow.commit()
    found = uow.notify.get_webhook(hook.id)
    assert found is not None
    return found


def delete_webhook(uow: UnitOfWork, *, actor: User, webhook_id: int) -> None:
    """Remove an endpoint and its delivery history."""
    hook = get_webhook(uow, actor=actor, webhook_id=webhook_id)
    uow.notify.delete_webhook(hook.id)
    uow.commit()


def list_deliveries(uow: UnitOfWork, *, actor: User, webhook_id: int) -> list[WebhookDelivery]:
    """An endpoint's recent deliveries with their status, newest first."""
    hook = get_webhook(uow, actor=actor, webhook_id=webhook_id)
    return uow.notify.deliveries(hook.id)


def render_body(hook: Webhook, delivery: WebhookDelivery, base_url: str) -> bytes:
    """The bytes to post: engage's JSON event, or a Slack incoming-webhook message."""
    payload = delivery.payload
    if hook.format == WebhookFormat.SLACK:
        case = payload.get("case", {})
        link = f"{base_url.rstrip('/')}/cases/{case.get('id')}"
        text = f"<{link}|{payload.get('message', '')}> ({case.get('title', '')})"
        return json.dumps({"text": text}).encode()
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def deliver(
    uow: UnitOfWork, clock: Clock, sender: WebhookSender, *, delivery_id: int, base_url: str
) -> str:
    """Post one delivery (the ``deliver_webhook`` job): delivered, retry, failed or skipped."""
    now = clock.now()
    if not uow.notify.claim_delivery(delivery_id, now, now - STALE):
        return "skipped"
    uow.commit()
    delivery = uow.notify.get_delivery(delivery_id)
    hook = uow.notify.get_webhook(delivery.webhook_id) if delivery else None
    if delivery is None or hook is None:
        return "skipped"
    body = render_body(hook, delivery, base_url)
    stamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "engage-webhooks",
        SIGNATURE_HEADER: sign(hook.secret, stamp, body),
        "Engage-Event": delivery.event,
        "Engage-Delivery": str(delivery.payload.get("id", delivery.id)),
    }
    attempts = delivery.attempts + 1
    status: int | None = None
    try:
        sender.check(hook.url)  # again: the name may resolve elsewhere now
        status = sender.post(hook.url, body, headers)
        error = "" if 200 <= status < 300 else f"HTTP {status}"
    except (DeliveryFailed, ValidationFailed) as exc:
        error = str(exc)
    if not error:
        uow.notify.update_delivery(
            delivery.id,
            status=MailStatus.SENT.value,
            attempts=attempts,
            response_status=status,
            delivered_at=clock.now(),
            last_error="",
        )
        uow.commit()
        return "delivered"
    final = attempts >= MAX_ATTEMPTS
    uow.notify.update_delivery(
        delivery.id,
        status=(MailStatus.FAILED if final else MailStatus.PENDING).value,
        attempts=attempts,
        response_status=status,
        last_error=error[:2000],
        next_attempt_at=None if final else clock.now() + backoff(attempts),
    )
    uow.commit()
    return "failed" if final else "retry"


def due_delivery_ids(uow: UnitOfWork, clock: Clock) -> list[int]:
    """Deliveries to (re)try now."""
    now = clock.now()
    return uow.notify.due_deliveries(now, now - STALE)
