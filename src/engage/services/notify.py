"""Notify people of case events: portal notifications, mail (at once or in a daily digest) and
webhook deliveries, all written in the caller's unit of work (a transactional outbox).

Other services call one function where an event happens, before they commit, e.g.
``notify.emit(uow, clock, case, Kind.SUPPORT_REPLY, actor=actor, comment_id=comment.id)``;
jobs enqueued after the commit send what was queued (services.mail_out, services.webhooks).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from engage.domain.cases import Case, Comment
from engage.domain.errors import ValidationFailed
from engage.domain.notifications import KINDS, Audience, Kind, MailStatus, Mode, kinds_for
from engage.domain.users import Role, User
from engage.services.ports import Clock, UnitOfWork

SEND_MAIL_JOB = "send_mail"
DELIVER_WEBHOOK_JOB = "deliver_webhook"


def headline(kind: Kind, case: Case) -> str:
    """The one-line message of an event: ``Case #12: Support replied``."""
    return f"Case #{case.id}: {KINDS[kind].headline}"


def _customers(uow: UnitOfWork, case: Case) -> set[int]:
    """The reporter and every customer of the case's organisation who wrote on it."""
    assert case.id is not None
    ids = {case.reporter_id}
    for c in uow.cases.comments(case.id, internal=False):
        ids.add(c.author_id)
    people = (uow.users.get(i) for i in ids)
    return {u.id for u in people if u and u.id and u.org_id == case.org_id}


def _support(uow: UnitOfWork, case: Case, kind: Kind) -> set[int]:
    """The assignee and engineers; support managers when nobody is on it, and for SLA alerts."""
    assert case.id is not None
    ids = {i for i in [case.assignee_id, *uow.cases.engineers(case.id)] if i is not None}
    if not ids or kind in (Kind.SLA_AT_RISK, Kind.SLA_BREACHED, Kind.NEW_CASE):
        managers = uow.users.support_staff()
        ids |= {u.id for u in managers if u.id and Role(u.role) is Role.SUPPORT_MANAGER}
    return ids


def recipients(uow: UnitOfWork, case: Case, kind: Kind) -> set[int]:
    """Who hears of `kind` on `case` by default."""
    if KINDS[kind].audience is Audience.CUSTOMER:
        return _customers(uow, case)
    return _support(uow, case, kind)


def mode_for(uow: UnitOfWork, user_id: int, kind: Kind) -> Mode:
    """The person's chosen mode for `kind`, else the kind's default."""
    chosen = uow.notify.prefs(user_id).get(kind.value, "")
    return Mode(chosen) if chosen in Mode._value2member_map_ else KINDS[kind].default


def emit(
    uow: UnitOfWork,
    clock: Clock,
    case: Case,
    kind: Kind,
    *,
    actor: User | None = None,
    to: Iterable[int] | None = None,
    detail: str = "",
    portal: bool = True,
    mail: bool = True,
    **data: Any,
) -> None:
    """Record an event for everyone who should hear of it (no commit: the caller's unit).

    ``portal=False`` skips the portal notice (the caller wrote its own), ``mail=False`` the
    mail (the caller mails something better, e.g. a calendar invite).
    """
    assert case.id is not None
    now = clock.now()
    message = headline(kind, case) + (f": {detail}" if detail else "")
    people = set(recipients(uow, case, kind) if to is None else to)
    people.discard(actor.id if actor else None)  # never tell people what they just did
    payload = {**data, "detail": detail, "actor": actor.name if actor else "engage"}
    for uid in sorted(people):
        user = uow.users.get(uid)
        if user is None or not user.active:
            continue
        if portal:
            uow.notify.add_notification(
                user_id=uid, case_id=case.id, kind=kind.value, message=message, created_at=now
            )
        if mail:
            _queue_mail(uow, user, kind, case.id, payload, now)
    _queue_webhooks(uow, case, kind, message, payload, now)


def _queue_mail(
    uow: UnitOfWork,
    user: User,
    kind: Kind,
    case_id: int | None,
    data: dict[str, Any],
    now: datetime,
) -> None:
    assert user.id is not None
    mode = mode_for(uow, user.id, kind)
    if mode is Mode.OFF:
        return
    status = MailStatus.PENDING if mode is Mode.NOW else MailStatus.DIGEST
    mail = uow.notify.add_mail(
        message_id=uuid.uuid4().hex,
        case_id=case_id,
        user_id=user.id,
        kind=kind.value,
        to_addr=user.email,
        status=status.value,
        data=data,
        attempts=0,
        last_error="",
        created_at=now,
    )
    if mode is Mode.NOW:
        uow.notify.after_commit(SEND_MAIL_JOB, mail_id=mail.id)


def _queue_webhooks(
    uow: UnitOfWork, case: Case, kind: Kind, message: str, data: dict[str, Any], now: datetime
) -> None:
    event = f"case.{kind.value}"
    hooks = [h for h in uow.notify.webhooks(case.org_id, include_support=True) if h.wants(event)]
    if not hooks:
        return
    body = {
        "event": event,
        "created_at": now.isoformat(),
        "message": message,
        "case": {
            "id": case.id,
            "org_id": case.org_id,
            "title": case.title,
            "status": str(case.status),
            "severity": str(case.severity),
        },
        "data": {k: v for k, v in data.items() if k in ("actor", "detail", "comment_id")},
    }
    for hook in hooks:
        delivery = uow.notify.add_delivery(
            webhook_id=hook.id,
            case_id=case.id,
            event=event,
            payload={**body, "id": uuid.uuid4().hex},
            status=MailStatus.PENDING.value,
            attempts=0,
            last_error="",
            created_at=now,
        )
        uow.notify.after_commit(DELIVER_WEBHOOK_JOB, delivery_id=delivery.id)


def comment_added(uow: UnitOfWork, clock: Clock, case: Case, actor: User, comment: Comment) -> None:
    """A reply on a case: customers hear of support's replies, support of the customer's;
    internal notes are never notified outside support."""
    if comment.internal:
        return
    kind = Kind.SUPPORT_REPLY if actor.is_support else Kind.CUSTOMER_REPLY
    emit(uow, clock, case, kind, actor=actor, comment_id=comment.id)


def case_opened(uow: UnitOfWork, clock: Clock, case: Case, actor: User) -> None:
    """A new case: support hears of it."""
    emit(uow, clock, case, Kind.NEW_CASE, actor=actor, detail=case.title)


def status_changed(
    uow: UnitOfWork, clock: Clock, case: Case, actor: User | None, old: str, new: str
) -> None:
    """A status change by support or the system: the customer hears of it by mail and webhook
    (the case shows its status; the bell keeps to what needs someone to look or act)."""
    if old != new and (actor is None or actor.is_support):
        lines = [f"Status: {old.replace('_', ' ')} → {new.replace('_', ' ')}"]
        emit(uow, clock, case, Kind.STATUS_CHANGED, actor=actor, portal=False, lines=lines)


# --- reading and settings --------------------------------------------------------------------


def list_notifications(
    uow: UnitOfWork, *, actor: User, unread_only: bool = False, limit: int = 50, offset: int = 0
) -> tuple[list[Any], int]:
    """The actor's notifications (unread first) and their unread count."""
    if not 1 <= limit <= 200 or offset < 0:
        raise ValidationFailed("limit must be 1-200 and offset at least 0")
    assert actor.id is not None
    items = uow.notify.notifications(actor.id, unread_only=unread_only, limit=limit, offset=offset)
    return items, uow.notify.unread_count(actor.id)


def unread_count(uow: UnitOfWork, *, actor: User) -> int:
    """How many unread notifications the actor has (the bell)."""
    assert actor.id is not None
    return uow.notify.unread_count(actor.id)


def mark_read(uow: UnitOfWork, clock: Clock, *, actor: User, ids: list[int] | None) -> int:
    """Mark the actor's notifications read (all of them with None); returns how many."""
    assert actor.id is not None
    if ids is not None and len(ids) > 1000:
        raise ValidationFailed("mark at most 1000 notifications at once")
    count = uow.notify.mark_read(actor.id, ids, clock.now())
    uow.commit()
    return count


def get_prefs(uow: UnitOfWork, *, actor: User) -> dict[Kind, Mode]:
    """The actor's mode for every kind of their side (chosen or default)."""
    assert actor.id is not None
    return {k: mode_for(uow, actor.id, k) for k in kinds_for(actor.is_support)}


def set_prefs(uow: UnitOfWork, *, actor: User, modes: dict[str, str]) -> dict[Kind, Mode]:
    """Change the actor's modes; unknown kinds or modes are refused with the valid ones."""
    assert actor.id is not None
    allowed = {k.value for k in kinds_for(actor.is_support)}
    for kind, mode in modes.items():
        if kind not in allowed:
            raise ValidationFailed(f"unknown notification kind {kind!r}; one of {sorted(allowed)}")
        if mode not in Mode._value2member_map_:
            raise ValidationFailed(f"mode must be one of {[m.value for m in Mode]}, not {mode!r}")
    uow.notify.set_prefs(actor.id, modes)
    uow.commit()
    return get_prefs(uow, actor=actor)
