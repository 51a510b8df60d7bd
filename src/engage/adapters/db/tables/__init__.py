"""Table definitions; Alembic migrations create them, the mapper maps domain classes onto them.

One module per area; import a table from here (``from engage.adapters.db import tables as t``).
"""

from engage.adapters.db.tables.audit import audit_events, break_glass_approvals
from engage.adapters.db.tables.base import UTCDateTime, metadata
from engage.adapters.db.tables.core import (
    api_tokens,
    case_engineers,
    case_events,
    case_instances,
    case_links,
    cases,
    comments,
    environments,
    idempotency_keys,
    instances,
    organisations,
    users,
)
from engage.adapters.db.tables.intake import (
    artifact_downloads,
    artifact_findings,
    artifacts,
    diagnostic_requests,
    diagnostic_rows,
    notifications,
    upload_sessions,
)
from engage.adapters.db.tables.jobs import app_secrets, content_blobs, jobs
from engage.adapters.db.tables.mail import (
    inbound_messages,
    mail_outbox,
    notification_prefs,
    webhook_deliveries,
    webhooks,
)
from engage.adapters.db.tables.security import rate_limits
from engage.adapters.db.tables.sessions import (
    busy_blocks,
    session_no_shows,
    session_participants,
    session_reminders,
    session_tasks,
    sessions,
    user_availability,
)

__all__ = [
    "UTCDateTime",
    "api_tokens",
    "app_secrets",
    "artifact_downloads",
    "artifact_findings",
    "artifacts",
    "audit_events",
    "break_glass_approvals",
    "busy_blocks",
    "case_engineers",
    "case_events",
    "case_instances",
    "case_links",
    "cases",
    "comments",
    "content_blobs",
    "diagnostic_requests",
    "diagnostic_rows",
    "environments",
    "idempotency_keys",
    "inbound_messages",
    "instances",
    "jobs",
    "mail_outbox",
    "metadata",
    "notification_prefs",
    "notifications",
    "organisations",
    "rate_limits",
    "session_no_shows",
    "session_participants",
    "session_reminders",
    "session_tasks",
    "sessions",
    "upload_sessions",
    "user_availability",
    "users",
    "webhook_deliveries",
    "webhooks",
]
