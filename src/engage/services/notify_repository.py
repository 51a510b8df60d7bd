"""The repository port of notifications, mail and webhooks (part of the unit of work)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from engage.domain.notifications import Notification, OutgoingMail, Webhook, WebhookDelivery


class NotifyRepository(Protocol):
    """Notifications, preferences, the mail outbox, webhooks, deliveries and inbound ids."""

    def after_commit(self, job: str, **kwargs: object) -> None:
        """Queue `job` with its arguments once this unit of work commits."""

    def add_notification(self, **values: Any) -> Notification:
        """Store a notification for one person."""

    def notifications(
        self, user_id: int, *, unread_only: bool = False, limit: int = 50, offset: int = 0
    ) -> list[Notification]:
        """A person's notifications, unread first."""

    def unread_count(self, user_id: int) -> int:
        """How many notifications a person has not read."""

    def mark_read(self, user_id: int, ids: list[int] | None, at: datetime) -> int:
        """Mark these (or all) of a person's notifications read; how many changed."""

    def prefs(self, user_id: int) -> dict[str, str]:
        """A person's delivery mode per notification kind."""

    def set_prefs(self, user_id: int, modes: dict[str, str]) -> None:
        """Save a person's delivery modes."""

    def add_mail(self, **values: Any) -> OutgoingMail:
        """Put a mail in the outbox."""

    def get_mail(self, mail_id: int) -> OutgoingMail | None:
        """An outbox mail by id."""

    def claim_mail(self, mail_id: int, now: datetime, stale_before: datetime) -> bool:
        """Claim a mail for sending unless another worker holds it; True if claimed."""

    def update_mail(self, mail_id: int, **values: Any) -> None:
        """Change an outbox mail (status, attempts, error)."""

    def due_mails(self, now: datetime, stale_before: datetime, limit: int = 500) -> list[int]:
        """Ids of outbox mails due to be sent."""

    def digest_mails(self, before: datetime) -> list[OutgoingMail]:
        """Mails held for a daily digest written before `before`."""

    def mails_for_case(self, case_id: int) -> list[OutgoingMail]:
        """The mails sent about a case, oldest first."""

    def is_our_message(self, message_ids: list[str]) -> bool:
        """Whether any of these Message-IDs is one engage sent (loop guard)."""

    def seen_inbound(self, message_id: str) -> bool:
        """Whether this inbound Message-ID was processed already."""

    def record_inbound(self, **values: Any) -> bool:
        """Record an inbound message id; False when it was already there."""

    def add_webhook(self, **values: Any) -> Webhook:
        """Register a webhook endpoint."""

    def get_webhook(self, webhook_id: int) -> Webhook | None:
        """A webhook by id."""

    def webhooks(self, org_id: int | None, *, include_support: bool = False) -> list[Webhook]:
        """An organisation's webhooks (and support's own, when asked)."""

    def update_webhook(self, webhook_id: int, **values: Any) -> None:
        """Change a webhook (events, active, secret)."""

    def delete_webhook(self, webhook_id: int) -> None:
        """Remove a webhook."""

    def add_delivery(self, **values: Any) -> WebhookDelivery:
        """Record a webhook delivery to make."""

    def get_delivery(self, delivery_id: int) -> WebhookDelivery | None:
        """A webhook delivery by id."""

    def claim_delivery(self, delivery_id: int, now: datetime, stale_before: datetime) -> bool:
        """Claim a delivery for sending unless another worker holds it; True if claimed."""

    def update_delivery(self, delivery_id: int, **values: Any) -> None:
        """Change a delivery (status, attempts, response)."""

    def deliveries(self, webhook_id: int, limit: int = 100) -> list[WebhookDelivery]:
        """A webhook's latest deliveries."""

    def due_deliveries(self, now: datetime, stale_before: datetime, limit: int = 500) -> list[int]:
        """Ids of deliveries due to be sent."""
