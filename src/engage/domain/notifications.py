"""Notifications: what a person should look at, how they want to hear of it, and the pure rules
of mail threading, reply addresses and webhook signatures."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from engage.domain.errors import EngageError


class MailSendError(EngageError):
    """The mail server could not be reached or refused the message (retried later)."""

    status = 503
    title = "Mail unavailable"


class DeliveryFailed(EngageError):
    """A webhook endpoint could not be reached (retried later)."""

    status = 502
    title = "Webhook delivery failed"


@dataclass(frozen=True)
class Notification:
    """Something a person should look at (e.g. all requested diagnostics are in)."""

    id: int
    user_id: int
    case_id: int | None
    kind: str
    message: str
    created_at: datetime
    read_at: datetime | None = None


class Audience(StrEnum):
    """Who a kind of notification is for."""

    CUSTOMER = "customer"
    SUPPORT = "support"


class Mode(StrEnum):
    """How a person wants to hear of one kind: a mail at once, one daily digest, or not by mail."""

    NOW = "now"
    DIGEST = "digest"
    OFF = "off"


class Kind(StrEnum):
    """Every kind of notification; the value is also the webhook event name (``case.<kind>``)."""

    SUPPORT_REPLY = "support_reply"
    DIAGNOSTICS_REQUESTED = "diagnostics_requested"
    DIAGNOSTICS_OVERDUE = "diagnostics_overdue"
    UPLOAD_REJECTED = "upload_rejected"
    UPLOAD_ANALYSED = "upload_analysed"
    SESSION_PROPOSED = "session_proposed"
    SESSION_BOOKED = "session_booked"
    SESSION_CHANGED = "session_changed"
    SESSION_CANCELLED = "session_cancelled"
    STATUS_CHANGED = "status_changed"
    CASE_SPLIT = "case_split"
    CASE_OPENED_BY_MAIL = "case_opened_by_mail"
    NEW_CASE = "new_case"
    CUSTOMER_REPLY = "customer_reply"
    UPLOAD_ARRIVED = "upload_arrived"
    DIAGNOSTICS_COMPLETE = "diagnostics_complete"
    SLA_AT_RISK = "sla_at_risk"
    SLA_BREACHED = "sla_breached"
    MAIL_FAILED = "mail_failed"


@dataclass(frozen=True)
class KindInfo:
    """Who hears of a kind, the default mode, and its headline (``{case}`` is the number)."""

    audience: Audience
    default: Mode
    headline: str
    by_mail: bool = True  # False: another mail covers it (session invites carry the ICS)


KINDS: dict[Kind, KindInfo] = {
    Kind.SUPPORT_REPLY: KindInfo(Audience.CUSTOMER, Mode.NOW, "Support replied"),
    Kind.DIAGNOSTICS_REQUESTED: KindInfo(
        Audience.CUSTOMER, Mode.NOW, "Support asks for diagnostics"
    ),
    Kind.DIAGNOSTICS_OVERDUE: KindInfo(
        Audience.CUSTOMER, Mode.NOW, "Requested diagnostics are still missing"
    ),
    Kind.UPLOAD_REJECTED: KindInfo(Audience.CUSTOMER, Mode.NOW, "An upload was rejected"),
    Kind.UPLOAD_ANALYSED: KindInfo(Audience.CUSTOMER, Mode.NOW, "An upload was analysed"),
    Kind.SESSION_PROPOSED: KindInfo(Audience.CUSTOMER, Mode.NOW, "Session times proposed"),
    Kind.SESSION_BOOKED: KindInfo(Audience.CUSTOMER, Mode.NOW, "Session booked", by_mail=False),
    Kind.SESSION_CHANGED: KindInfo(Audience.CUSTOMER, Mode.NOW, "Session changed", by_mail=False),
    Kind.SESSION_CANCELLED: KindInfo(
        Audience.CUSTOMER, Mode.NOW, "Session cancelled", by_mail=False
    ),
    Kind.STATUS_CHANGED: KindInfo(Audience.CUSTOMER, Mode.NOW, "Case status changed"),
    Kind.CASE_SPLIT: KindInfo(Audience.CUSTOMER, Mode.NOW, "Case split into separate cases"),
    Kind.CASE_OPENED_BY_MAIL: KindInfo(Audience.CUSTOMER, Mode.NOW, "Case opened from your mail"),
    Kind.NEW_CASE: KindInfo(Audience.SUPPORT, Mode.NOW, "New case"),
    Kind.CUSTOMER_REPLY: KindInfo(Audience.SUPPORT, Mode.NOW, "Customer replied"),
    Kind.UPLOAD_ARRIVED: KindInfo(Audience.SUPPORT, Mode.DIGEST, "Upload arrived"),
    Kind.DIAGNOSTICS_COMPLETE: KindInfo(
        Audience.SUPPORT, Mode.NOW, "Every requested diagnostic is in"
    ),
    Kind.SLA_AT_RISK: KindInfo(Audience.SUPPORT, Mode.NOW, "SLA at risk"),
    Kind.SLA_BREACHED: KindInfo(Audience.SUPPORT, Mode.NOW, "SLA breached"),
    Kind.MAIL_FAILED: KindInfo(Audience.SUPPORT, Mode.DIGEST, "A mail could not be delivered"),
}


def kinds_for(is_support: bool) -> list[Kind]:
    """The kinds a person of this side can choose how to hear of by mail (settings page)."""
    side = Audience.SUPPORT if is_support else Audience.CUSTOMER
    return [k for k, info in KINDS.items() if info.audience is side and info.by_mail]


class MailStatus(StrEnum):
    """Where an outgoing mail stands."""

    PENDING = "pending"  # to send at once (or retry at next_attempt_at)
    DIGEST = "digest"  # waits for the person's daily digest
    SENDING = "sending"  # claimed by a job
    SENT = "sent"
    FAILED = "failed"  # gave up after MAX_ATTEMPTS
    BUNDLED = "bundled"  # went out inside a digest


@dataclass(frozen=True)
class OutgoingMail:
    """One mail to one person about one event, with its stable Message-ID."""

    id: int
    message_id: str
    kind: str
    to_addr: str
    status: str
    data: dict[str, Any]
    created_at: datetime
    case_id: int | None = None
    user_id: int | None = None
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str = ""
    sent_at: datetime | None = None


class WebhookFormat(StrEnum):
    """What a webhook's body looks like: engage's JSON, or a Slack incoming-webhook message."""

    JSON = "json"
    SLACK = "slack"


@dataclass(frozen=True)
class Webhook:
    """An HTTPS endpoint that receives chosen case events (org_id None: support's own)."""

    id: int
    url: str
    secret: str
    events: list[str]
    format: str
    active: bool
    created_at: datetime
    org_id: int | None = None
    created_by: int | None = None
    description: str = ""

    def wants(self, event: str) -> bool:
        """True when this endpoint subscribed to `event` (or to every event, ``*``)."""
        return self.active and ("*" in self.events or event in self.events)


@dataclass(frozen=True)
class WebhookDelivery:
    """One attempt series to deliver one event to one webhook."""

    id: int
    webhook_id: int
    event: str
    payload: dict[str, Any]
    status: str
    created_at: datetime
    case_id: int | None = None
    attempts: int = 0
    next_attempt_at: datetime | None = None
    response_status: int | None = None
    last_error: str = ""
    delivered_at: datetime | None = None


MAX_ATTEMPTS = 8


def backoff(attempts: int, *, base: float = 30.0, cap: float = 6 * 3600) -> timedelta:
    """Wait before attempt `attempts + 1`: 30 s, 1 min, 2 min ... doubling, at most 6 hours."""
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


# --- threading and reply addresses -------------------------------------------------------

_TOKEN_LEN = 16


def reply_token(secret: str, case_id: int) -> str:
    """An unguessable token naming a case: base32 of an HMAC-SHA256, 16 characters (80 bits)."""
    mac = hmac.new(secret.encode(), f"engage-reply:case:{case_id}".encode(), hashlib.sha256)
    return base64.b32encode(mac.digest()).decode().lower()[:_TOKEN_LEN]


def reply_address(address: str, secret: str, case_id: int) -> str:
    """The case's Reply-To: ``support+c12-<token>@example.com`` from ``support@example.com``."""
    local, _, domain = address.partition("@")
    return f"{local}+c{case_id}-{reply_token(secret, case_id)}@{domain}"


_PLUS = re.compile(r"\+c(\d{1,12})-([a-z2-7]{16})@", re.IGNORECASE)


def case_from_address(address: str, secret: str) -> int | None:
    """The case a reply address names, when its token is right; None otherwise."""
    match = _PLUS.search(address)
    if not match:
        return None
    case_id = int(match.group(1))
    expected = reply_token(secret, case_id)
    return case_id if hmac.compare_digest(match.group(2).lower(), expected) else None


def thread_id(case_id: int, domain: str) -> str:
    """The case thread's root Message-ID, which every mail about the case refers to."""
    return f"<case-{case_id}@{domain}>"


def case_from_thread(references: str, domain: str) -> int | None:
    """The case of a References / In-Reply-To header pointing at a case thread root."""
    match = re.search(rf"<case-(\d{{1,12}})@{re.escape(domain)}>", references)
    return int(match.group(1)) if match else None


# --- webhook signatures ---------------------------------------------------------------------

SIGNATURE_HEADER = "Engage-Signature"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value: ``t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` (Stripe's)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, *, now: int, tolerance: int = 300) -> bool:
    """Check a signature header against the body and the clock (what a receiver does)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    if not parts.get("t", "").isdigit() or "v1" not in parts:
        return False
    ts = int(parts["t"])
    expected = sign(secret, ts, body).split("v1=", 1)[1]
    return abs(now - ts) <= tolerance and hmac.compare_digest(expected, parts["v1"])
