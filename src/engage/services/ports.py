"""Ports: the small interfaces services depend on; adapters implement them.

Clock, object store, job queue, meetings, mail and calendar files are here; the repository
ports (and the unit of work) are in ``services.repositories`` and re-exported from here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import BinaryIO, Protocol

from engage.domain.errors import EngageError, NotFound
from engage.domain.meetings import Meeting, MeetingRequest
from engage.domain.sessions import Session
from engage.services.notify_repository import NotifyRepository
from engage.services.repositories import (
    AuditRepository,
    CaseQuery,
    CaseRepository,
    IdempotencyRepository,
    IntakeRepository,
    OrgRepository,
    Repository,
    SessionRepository,
    UnitOfWork,
    UserRepository,
)

__all__ = [
    "AuditRepository",
    "CalendarFiles",
    "CaseQuery",
    "CaseRepository",
    "Clock",
    "IdempotencyRepository",
    "IntakeRepository",
    "JobQueue",
    "LoginThrottle",
    "MailTransport",
    "Mailer",
    "MeetingProvider",
    "NotifyRepository",
    "ObjectNotFound",
    "ObjectStore",
    "ObjectStoreError",
    "OrgRepository",
    "Repository",
    "SessionRepository",
    "StoredObject",
    "UnitOfWork",
    "UserRepository",
    "WebhookSender",
    "content_key",
]


class Clock(Protocol):
    """Tells the time (UTC, timezone-aware); tests pass a fixed one."""

    def now(self) -> datetime:
        """The current instant."""


class ObjectNotFound(NotFound):
    """No object under this key in the object store."""


class ObjectStoreError(EngageError):
    """The object store failed (unreachable, refused, out of space); the request may be retried."""

    status = 503
    title = "Storage unavailable"


@dataclass(frozen=True)
class StoredObject:
    """What ``ObjectStore.put_content`` stored: its content-addressed key, size and SHA-256."""

    key: str
    size: int
    sha256: str


def content_key(sha256: str) -> str:
    """The content-addressed key of a SHA-256 hex digest: ``sha256/ab/cdef...``."""
    return f"sha256/{sha256[:2]}/{sha256[2:]}"


class ObjectStore(Protocol):
    """Content-addressed blob storage (filesystem by default, S3-compatible when configured).

    Keys are relative ``/``-separated names whose segments use ``[A-Za-z0-9._-]`` and never
    start with a dot (so no ``..``). A put is all or nothing: readers never see a partial
    object. ``open`` and ``size`` raise ObjectNotFound for a missing key; ``delete`` of a
    missing key does nothing.
    """

    def put(self, key: str, stream: BinaryIO) -> int:
        """Store the stream under ``key``; the number of bytes written."""

    def put_content(self, stream: BinaryIO) -> StoredObject:
        """Store the stream under its content-addressed key."""

    def open(self, key: str) -> BinaryIO:
        """The object's bytes, or ObjectNotFound."""

    def size(self, key: str) -> int:
        """The object's size in bytes, or ObjectNotFound."""

    def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key``."""

    def delete(self, key: str) -> None:
        """Remove the object (nothing happens when it is missing)."""

    def keys(self, prefix: str = "") -> Iterator[str]:
        """Every key starting with ``prefix``."""


class JobQueue(Protocol):
    """Runs named jobs later, durably: rows in the database (SQLite, or ENGAGE_JOBS=database)
    or procrastinate on PostgreSQL. Keyword arguments must be JSON-serialisable and every job
    must be safe to run twice (a worker killed mid-job means the job runs again). Periodic
    jobs are declared in ``bootstrap.register_jobs`` (``engage.periodic``); each tick runs once
    however many processes schedule it.
    """

    def enqueue(self, name: str, **kwargs: object) -> str:
        """Queue the named job with its arguments; the job id."""

    def register(self, name: str, func: Callable[..., None]) -> None:
        """Make ``func`` the job run under ``name``."""


class MeetingProvider(Protocol):
    """Creates, updates and deletes meetings at Google Meet, Zoom or the customer's own tool."""

    def create(self, request: MeetingRequest) -> Meeting:
        """Create a meeting for the request."""

    def update(self, meeting: Meeting, request: MeetingRequest) -> Meeting:
        """Move or rename a meeting; the meeting as it is now."""

    def delete(self, meeting: Meeting) -> None:
        """Delete a meeting at the provider."""


class Mailer(Protocol):
    """Sends e-mail (SMTP in production, a local SMTP server in tests)."""

    def send(
        self,
        *,
        to: list[str],
        subject: str,
        text: str,
        attachments: list[tuple[str, str, bytes]] = ...,
    ) -> None:
        """Send one message; attachments are (file name, media type, bytes)."""


class MailTransport(Protocol):
    """Sends one composed RFC 5322 message (SMTP with STARTTLS or implicit TLS)."""

    def send_message(self, message: EmailMessage) -> None:
        """Hand the message to the mail server."""


class WebhookSender(Protocol):
    """Posts signed webhook bodies; `check` refuses targets the deployment must not call."""

    def check(self, url: str) -> None:
        """Refuse a target URL this deployment must not call (private addresses)."""

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        """POST the body with the headers; the HTTP status."""


class CalendarFiles(Protocol):
    """Writes a session as an iCalendar (.ics) file: (bytes, media type)."""

    def session_file(self, session: Session, *, stamp: datetime, cancel: bool) -> tuple[bytes, str]:
        """The session's .ics (a CANCEL when ``cancel``) and its media type."""


class LoginThrottle(Protocol):
    """Counts failed sign-ins by account and by client address, shared by every process."""

    def retry_after(self, account: str, address: str) -> int:
        """Seconds the caller must wait before trying again; 0 when it may try now."""
        ...

    def failed(self, account: str, address: str) -> None:
        """Count a failed attempt against the account and the address."""
        ...

    def succeeded(self, account: str) -> None:
        """Forget the account's failures (the address keeps its count)."""
        ...
