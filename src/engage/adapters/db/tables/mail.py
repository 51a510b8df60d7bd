"""Notification preferences, outgoing mail, inbound message ids, webhooks and deliveries."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from engage.adapters.db.tables.base import metadata, ts

# --- notifications by mail and webhooks (issue 17) ---
# Events write outgoing mails and webhook deliveries in the same transaction as the change
# (a transactional outbox); jobs send them and record the result, so nothing is lost when a
# process dies between the commit and the send, and a job run twice sends once.

notification_prefs = Table(
    "notification_prefs",
    metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("mode", String(16), nullable=False),  # now | digest | off
    PrimaryKeyConstraint("user_id", "kind"),
)

mail_outbox = Table(
    "mail_outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("message_id", String(255), nullable=False, unique=True),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=True, index=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
    Column("kind", String(64), nullable=False),
    Column("to_addr", String(320), nullable=False),
    Column("status", String(16), nullable=False),
    Column("data", JSON, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    ts("next_attempt_at"),
    Column("last_error", Text, nullable=False, default=""),
    ts("created_at", nullable=False),
    ts("sent_at"),
    Index("ix_mail_outbox_status_next", "status", "next_attempt_at"),
)

inbound_messages = Table(
    "inbound_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("message_id", String(998), nullable=False, unique=True),
    Column("sender", String(320), nullable=False, default=""),
    Column("outcome", String(32), nullable=False),
    Column("case_id", ForeignKey("cases.id", ondelete="SET NULL"), nullable=True),
    ts("received_at", nullable=False),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", ForeignKey("organisations.id", ondelete="CASCADE"), nullable=True, index=True),
    Column("url", String(2000), nullable=False),
    Column("secret", String(128), nullable=False),
    Column("events", JSON, nullable=False),
    Column("format", String(16), nullable=False, default="json"),
    Column("active", Boolean, nullable=False, default=True),
    Column("description", String(200), nullable=False, default=""),
    Column("created_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    ts("created_at", nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("webhook_id", ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("case_id", ForeignKey("cases.id", ondelete="SET NULL"), nullable=True),
    Column("event", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    ts("next_attempt_at"),
    Column("response_status", Integer, nullable=True),
    Column("last_error", Text, nullable=False, default=""),
    ts("created_at", nullable=False),
    ts("delivered_at"),
    Index("ix_webhook_deliveries_status_next", "status", "next_attempt_at"),
)
