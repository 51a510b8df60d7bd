"""SQL storage of notifications, preferences, outgoing mail, webhooks and inbound message ids
(implements NotifyRepository with SQLAlchemy Core)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Table, and_, case, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engage.adapters.db import tables as t
from engage.domain.notifications import (
    MailStatus,
    Notification,
    OutgoingMail,
    Webhook,
    WebhookDelivery,
)

R = TypeVar("R")
#: Session.info key: jobs to enqueue once the unit of work commits (see SqlUnitOfWork.commit).
AFTER_COMMIT = "engage_after_commit"


class SqlNotifyRepository:
    """Notifications, preferences, the mail outbox, webhooks, deliveries and inbound ids."""

    def __init__(self, session: Session) -> None:
        """Work inside the unit of work's session."""
        self.s = session

    def _insert(self, table: Table, cls: type[R], values: dict[str, Any]) -> R:
        row = self.s.execute(insert(table).values(**values).returning(*table.c)).one()
        return cls(**row._mapping)

    def _one(self, table: Table, cls: type[R], key: object) -> R | None:
        row = self.s.execute(select(table).where(table.c.id == key)).first()
        return cls(**row._mapping) if row else None

    def after_commit(self, job: str, **kwargs: object) -> None:
        """Enqueue `job` once this unit of work commits (never if it rolls back)."""
        self.s.info.setdefault(AFTER_COMMIT, []).append((job, kwargs))

    # -- notifications in the portal -------------------------------------------------------

    def add_notification(self, **values: Any) -> Notification:
        """Store a notification for a person."""
        return self._insert(t.notifications, Notification, values)

    def notifications(
        self, user_id: int, *, unread_only: bool = False, limit: int = 50, offset: int = 0
    ) -> list[Notification]:
        """A person's notifications: unread first, newest first within each."""
        n = t.notifications.c
        q = select(t.notifications).where(n.user_id == user_id)
        if unread_only:
            q = q.where(n.read_at.is_(None))
        unread_first = case((n.read_at.is_(None), 0), else_=1)
        q = q.order_by(unread_first, n.created_at.desc(), n.id.desc()).limit(limit).offset(offset)
        return [Notification(**r._mapping) for r in self.s.execute(q)]

    def unread_count(self, user_id: int) -> int:
        """How many of a person's notifications are unread."""
        n = t.notifications.c
        q = select(func.count()).where(n.user_id == user_id, n.read_at.is_(None))
        return int(self.s.execute(q).scalar_one())

    def mark_read(self, user_id: int, ids: list[int] | None, at: datetime) -> int:
        """Mark some (or, with None, all) of a person's notifications read; returns how many."""
        n = t.notifications.c
        q = update(t.notifications).where(n.user_id == user_id, n.read_at.is_(None))
        if ids is not None:
            q = q.where(n.id.in_(ids))
        return int(self.s.execute(q.values(read_at=at)).rowcount)  # type: ignore[attr-defined]

    # -- preferences -----------------------------------------------------------------------

    def prefs(self, user_id: int) -> dict[str, str]:
        """A person's chosen modes by kind (kinds they never chose are absent)."""
        p = t.notification_prefs.c
        rows = self.s.execute(select(p.kind, p.mode).where(p.user_id == user_id))
        return {r.kind: r.mode for r in rows}

    def set_prefs(self, user_id: int, modes: dict[str, str]) -> None:
        """Replace a person's choices for the kinds in `modes`."""
        p = t.notification_prefs
        if not modes:
            return
        self.s.execute(delete(p).where(p.c.user_id == user_id, p.c.kind.in_(list(modes))))
        self.s.execute(
            insert(p), [{"user_id": user_id, "kind": k, "mode": m} for k, m in modes.items()]
        )

    # -- outgoing mail ---------------------------------------------------------------------

    def add_mail(self, **values: Any) -> OutgoingMail:
        """Queue one outgoing mail."""
        return self._insert(t.mail_outbox, OutgoingMail, values)

    def get_mail(self, mail_id: int) -> OutgoingMail | None:
        """One outgoing mail."""
        return self._one(t.mail_outbox, OutgoingMail, mail_id)

    def claim_mail(self, mail_id: int, now: datetime, stale_before: datetime) -> bool:
        """Take a pending (or stale sending) mail for sending; False if another job has it."""
        m = t.mail_outbox.c
        q = (
            update(t.mail_outbox)
            .where(
                m.id == mail_id,
                or_(
                    m.status == MailStatus.PENDING.value,
                    and_(m.status == MailStatus.SENDING.value, m.next_attempt_at < stale_before),
                ),
            )
            .values(status=MailStatus.SENDING.value, next_attempt_at=now)
        )
        return bool(self.s.execute(q).rowcount)  # type: ignore[attr-defined]

    def update_mail(self, mail_id: int, **values: Any) -> None:
        """Change an outgoing mail's status, attempts or error."""
        self.s.execute(update(t.mail_outbox).where(t.mail_outbox.c.id == mail_id).values(**values))

    def due_mails(self, now: datetime, stale_before: datetime, limit: int = 500) -> list[int]:
        """Pending mails whose time has come, and sending ones a dead job left behind."""
        m = t.mail_outbox.c
        q = (
            select(m.id)
            .where(
                or_(
                    and_(
                        m.status == MailStatus.PENDING.value,
                        or_(m.next_attempt_at.is_(None), m.next_attempt_at <= now),
                    ),
                    and_(m.status == MailStatus.SENDING.value, m.next_attempt_at < stale_before),
                )
            )
            .order_by(m.id)
            .limit(limit)
        )
        return list(self.s.execute(q).scalars())

    def digest_mails(self, before: datetime) -> list[OutgoingMail]:
        """Mails waiting for a digest, created before `before`, oldest first."""
        m = t.mail_outbox.c
        q = (
            select(t.mail_outbox)
            .where(m.status == MailStatus.DIGEST.value, m.created_at < before)
            .order_by(m.user_id, m.id)
        )
        return [OutgoingMail(**r._mapping) for r in self.s.execute(q)]

    def mails_for_case(self, case_id: int) -> list[OutgoingMail]:
        """Every mail about a case, oldest first."""
        q = select(t.mail_outbox).where(t.mail_outbox.c.case_id == case_id)
        return [OutgoingMail(**r._mapping) for r in self.s.execute(q.order_by(t.mail_outbox.c.id))]

    def is_our_message(self, message_ids: list[str]) -> bool:
        """True when any of these Message-IDs is one we sent."""
        if not message_ids:
            return False
        q = select(t.mail_outbox.c.id).where(t.mail_outbox.c.message_id.in_(message_ids))
        return self.s.execute(q.limit(1)).first() is not None

    # -- inbound ---------------------------------------------------------------------------

    def seen_inbound(self, message_id: str) -> bool:
        """True when a message with this Message-ID was ingested before."""
        q = select(t.inbound_messages.c.id).where(t.inbound_messages.c.message_id == message_id)
        return self.s.execute(q).first() is not None

    def record_inbound(self, **values: Any) -> bool:
        """Remember an ingested message; False when it was already there (a duplicate)."""
        try:
            with self.s.begin_nested():
                self.s.execute(insert(t.inbound_messages).values(**values))
        except IntegrityError:
            return False
        return True

    # -- webhooks --------------------------------------------------------------------------

    def add_webhook(self, **values: Any) -> Webhook:
        """Register an endpoint."""
        return self._insert(t.webhooks, Webhook, values)

    def get_webhook(self, webhook_id: int) -> Webhook | None:
        """One endpoint."""
        return self._one(t.webhooks, Webhook, webhook_id)

    def webhooks(self, org_id: int | None, *, include_support: bool = False) -> list[Webhook]:
        """An organisation's endpoints (org_id None: support's), plus support's when asked."""
        w = t.webhooks.c
        cond = w.org_id.is_(None) if org_id is None else w.org_id == org_id
        if include_support and org_id is not None:
            cond = or_(cond, w.org_id.is_(None))
        q = select(t.webhooks).where(cond).order_by(w.id)
        return [Webhook(**r._mapping) for r in self.s.execute(q)]

    def update_webhook(self, webhook_id: int, **values: Any) -> None:
        """Change an endpoint."""
        self.s.execute(update(t.webhooks).where(t.webhooks.c.id == webhook_id).values(**values))

    def delete_webhook(self, webhook_id: int) -> None:
        """Remove an endpoint and its deliveries."""
        self.s.execute(delete(t.webhooks).where(t.webhooks.c.id == webhook_id))

    def add_delivery(self, **values: Any) -> WebhookDelivery:
        """Queue one delivery."""
        return self._insert(t.webhook_deliveries, WebhookDelivery, values)

    def get_delivery(self, delivery_id: int) -> WebhookDelivery | None:
        """One delivery."""
        return self._one(t.webhook_deliveries, WebhookDelivery, delivery_id)

    def claim_delivery(self, delivery_id: int, now: datetime, stale_before: datetime) -> bool:
        """Take a pending (or stale) delivery; False if another job has it or it is done."""
        d = t.webhook_deliveries.c
        q = (
            update(t.webhook_deliveries)
            .where(
                d.id == delivery_id,
                or_(
                    d.status == MailStatus.PENDING.value,
                    and_(d.status == MailStatus.SENDING.value, d.next_attempt_at < stale_before),
                ),
            )
            .values(status=MailStatus.SENDING.value, next_attempt_at=now)
        )
        return bool(self.s.execute(q).rowcount)  # type: ignore[attr-defined]

    def update_delivery(self, delivery_id: int, **values: Any) -> None:
        """Record a delivery attempt."""
        d = t.webhook_deliveries
        self.s.execute(update(d).where(d.c.id == delivery_id).values(**values))

    def deliveries(self, webhook_id: int, limit: int = 100) -> list[WebhookDelivery]:
        """An endpoint's deliveries, newest first."""
        d = t.webhook_deliveries.c
        q = select(t.webhook_deliveries).where(d.webhook_id == webhook_id)
        q = q.order_by(d.id.desc()).limit(limit)
        return [WebhookDelivery(**r._mapping) for r in self.s.execute(q)]

    def due_deliveries(self, now: datetime, stale_before: datetime, limit: int = 500) -> list[int]:
        """Pending deliveries whose time has come, and stale ones a dead job left behind."""
        d = t.webhook_deliveries.c
        q = (
            select(d.id)
            .where(
                or_(
                    and_(
                        d.status == MailStatus.PENDING.value,
                        or_(d.next_attempt_at.is_(None), d.next_attempt_at <= now),
                    ),
                    and_(d.status == MailStatus.SENDING.value, d.next_attempt_at < stale_before),
                )
            )
            .order_by(d.id)
            .limit(limit)
        )
        return list(self.s.execute(q).scalars())
