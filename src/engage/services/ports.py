"""Ports: the small interfaces services depend on; adapters implement them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any, BinaryIO, Protocol, TypeVar

from engage.domain.audit import AuditEntry, BreakGlassApproval
from engage.domain.cases import Case, CaseEvent, CaseLink, CaseStatus, Comment, Severity
from engage.domain.errors import EngageError, NotFound
from engage.domain.intake import (
    ArtifactRecord,
    DiagnosticRequest,
    FindingRecord,
    RequestRow,
    UploadSession,
)
from engage.domain.meetings import Meeting, MeetingRequest
from engage.domain.notifications import (
    Notification,
    OutgoingMail,
    Webhook,
    WebhookDelivery,
)
from engage.domain.session_records import Availability, Block, SessionRecord
from engage.domain.users import ApiToken, Environment, Instance, Organisation, User

T = TypeVar("T")


class Clock(Protocol):
    """Tells the time (UTC, timezone-aware); tests pass a fixed one."""

    def now(self) -> datetime: ...


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

    def put(self, key: str, stream: BinaryIO) -> int: ...

    def put_content(self, stream: BinaryIO) -> StoredObject: ...

    def open(self, key: str) -> BinaryIO: ...

    def size(self, key: str) -> int: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...

    def keys(self, prefix: str = "") -> Iterator[str]: ...


class JobQueue(Protocol):
    """Runs named jobs later; in-process by default, a distributed queue when configured."""

    def enqueue(self, name: str, **kwargs: object) -> str: ...

    def register(self, name: str, func: Callable[..., None]) -> None: ...


class MeetingProvider(Protocol):
    """Creates, updates and deletes meetings at Google Meet, Zoom or the customer's own tool."""

    def create(self, request: MeetingRequest) -> Meeting: ...

    def update(self, meeting: Meeting, request: MeetingRequest) -> Meeting: ...

    def delete(self, meeting: Meeting) -> None: ...


class Mailer(Protocol):
    """Sends e-mail (SMTP in production, a local SMTP server in tests)."""

    def send(
        self,
        *,
        to: list[str],
        subject: str,
        text: str,
        attachments: list[tuple[str, str, bytes]] = ...,
    ) -> None: ...


class MailTransport(Protocol):
    """Sends one composed RFC 5322 message (SMTP with STARTTLS or implicit TLS)."""

    def send_message(self, message: EmailMessage) -> None: ...


class WebhookSender(Protocol):
    """Posts signed webhook bodies; `check` refuses targets the deployment must not call."""

    def check(self, url: str) -> None: ...

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> int: ...


@dataclass(frozen=True)
class CaseQuery:
    """Filters and paging for case queues; org_ids None means every organisation (support)."""

    org_ids: tuple[int, ...] | None = None
    statuses: tuple[CaseStatus, ...] = ()
    severities: tuple[Severity, ...] = ()
    assignee_id: int | None = None
    unassigned: bool = False
    at_risk_by: datetime | None = None  # cases whose SLA is at risk (or breached) at this instant
    text: str | None = None
    sort: str = "sla_due"  # sla_due | -created | created | -updated
    limit: int = 50
    offset: int = 0


class Repository(Protocol[T]):
    """Add and get one kind of aggregate by id."""

    def add(self, obj: T) -> T: ...

    def get(self, obj_id: int) -> T | None: ...


class OrgRepository(Repository[Organisation], Protocol):
    """Organisations, their environments and instances."""

    def by_slug(self, slug: str) -> Organisation | None: ...

    def all(self) -> list[Organisation]: ...

    def environments(self, org_id: int) -> list[Environment]: ...

    def add_environment(self, env: Environment) -> Environment: ...

    def get_environment(self, env_id: int) -> Environment | None: ...

    def instances(self, org_id: int) -> list[Instance]: ...

    def add_instance(self, inst: Instance) -> Instance: ...

    def get_instance(self, inst_id: int) -> Instance | None: ...


class UserRepository(Repository[User], Protocol):
    """People and their API tokens."""

    def by_email(self, email: str) -> User | None: ...

    def in_org(self, org_id: int | None) -> list[User]: ...

    def support_staff(self) -> list[User]: ...

    def add_token(self, token: ApiToken) -> ApiToken: ...

    def token_by_hash(self, token_hash: str) -> ApiToken | None: ...

    def tokens_of(self, user_id: int) -> list[ApiToken]: ...


class CaseRepository(Repository[Case], Protocol):
    """Cases and everything hanging off them."""

    def query(self, q: CaseQuery) -> tuple[list[Case], int]: ...

    def engineers(self, case_id: int) -> list[int]: ...

    def set_engineers(self, case_id: int, user_ids: list[int]) -> None: ...

    def instances(self, case_id: int) -> list[int]: ...

    def set_instances(self, case_id: int, instance_ids: list[int]) -> None: ...

    def add_comment(self, comment: Comment) -> Comment: ...

    def comments(self, case_id: int, *, internal: bool) -> list[Comment]: ...

    def add_event(self, event: CaseEvent) -> CaseEvent: ...

    def events(self, case_id: int, *, internal: bool) -> list[CaseEvent]: ...

    def add_link(self, link: CaseLink) -> CaseLink: ...

    def links(self, case_id: int) -> list[CaseLink]: ...

    def status_history(self, case_id: int) -> list[tuple[datetime, CaseStatus]]: ...


class IdempotencyRepository(Protocol):
    """Remembers which resource a client's Idempotency-Key created."""

    def find(self, user_id: int, key: str) -> tuple[str, str, int] | None: ...

    def remember(
        self, *, user_id: int, key: str, scope: str, request_hash: str, resource_id: int
    ) -> None: ...


class SessionRepository(Protocol):
    """Sessions with participants, agenda, reminders and no-shows; availability and busy time."""

    def add(self, record: SessionRecord) -> SessionRecord: ...

    def get(self, session_id: int) -> SessionRecord | None: ...

    def for_case(self, case_id: int) -> list[SessionRecord]: ...

    def save(self, record: SessionRecord, now: datetime) -> SessionRecord: ...

    def lock_for_booking(self, session_id: int, user_ids: Iterable[int]) -> None: ...

    def booked(
        self,
        user_ids: Iterable[int],
        start: datetime,
        end: datetime,
        exclude_session_id: int | None = None,
    ) -> dict[int, list[Block]]: ...

    def starting_between(self, start: datetime, end: datetime) -> list[SessionRecord]: ...

    def claim_reminder(self, session_id: int, kind: str, at: datetime) -> bool: ...

    def reminders_sent(self, session_id: int) -> set[str]: ...

    def add_no_show(self, session_id: int, email: str, by: int | None, at: datetime) -> None: ...

    def availability(self, user_id: int) -> Availability | None: ...

    def set_availability(self, availability: Availability) -> None: ...

    def busy_blocks(
        self, user_ids: Iterable[int], start: datetime, end: datetime, source: str | None = None
    ) -> dict[int, list[Block]]: ...

    def replace_busy_blocks(self, user_id: int, source: str, blocks: Iterable[Block]) -> None: ...


class IntakeRepository(Protocol):
    """Diagnostic requests, rows, artifacts, upload sessions, findings, downloads, notices."""

    def add_request(self, **values: Any) -> DiagnosticRequest: ...

    def get_request(self, request_id: int) -> DiagnosticRequest | None: ...

    def requests(self, case_id: int) -> list[DiagnosticRequest]: ...

    def update_request(self, request_id: int, **values: Any) -> None: ...

    def overdue_requests(
        self, now: datetime, remind_before: datetime
    ) -> list[DiagnosticRequest]: ...

    def add_row(self, **values: Any) -> RequestRow: ...

    def get_row(self, row_id: int, *, lock: bool = False) -> RequestRow | None: ...

    def rows(self, case_id: int) -> list[RequestRow]: ...

    def update_row(self, row_id: int, **values: Any) -> RequestRow: ...

    def add_artifact(self, **values: Any) -> ArtifactRecord: ...

    def get_artifact(self, artifact_id: int) -> ArtifactRecord | None: ...

    def artifacts(self, case_id: int) -> list[ArtifactRecord]: ...

    def update_artifact(self, artifact_id: int, **values: Any) -> None: ...

    def expired_artifacts(self, org_id: int, before: datetime) -> list[ArtifactRecord]: ...

    def key_in_use(self, content_key: str, *, except_id: int) -> bool: ...

    def replace_findings(
        self, artifact_id: int, case_id: int, findings: list[Mapping[str, Any]]
    ) -> None: ...

    def findings(self, case_id: int) -> list[FindingRecord]: ...

    def add_download(self, artifact_id: int, user_id: int | None, at: datetime) -> None: ...

    def downloads(self, artifact_id: int) -> list[tuple[int | None, datetime]]: ...

    def add_upload(self, **values: Any) -> UploadSession: ...

    def get_upload(self, upload_id: str) -> UploadSession | None: ...

    def update_upload(self, upload_id: str, **values: Any) -> None: ...

    def add_notification(self, **values: Any) -> Notification: ...

    def notifications(self, user_id: int) -> list[Notification]: ...


class NotifyRepository(Protocol):
    """Notifications, preferences, the mail outbox, webhooks, deliveries and inbound ids."""

    def after_commit(self, job: str, **kwargs: object) -> None: ...

    def add_notification(self, **values: Any) -> Notification: ...

    def notifications(
        self, user_id: int, *, unread_only: bool = False, limit: int = 50, offset: int = 0
    ) -> list[Notification]: ...

    def unread_count(self, user_id: int) -> int: ...

    def mark_read(self, user_id: int, ids: list[int] | None, at: datetime) -> int: ...

    def prefs(self, user_id: int) -> dict[str, str]: ...

    def set_prefs(self, user_id: int, modes: dict[str, str]) -> None: ...

    def add_mail(self, **values: Any) -> OutgoingMail: ...

    def get_mail(self, mail_id: int) -> OutgoingMail | None: ...

    def claim_mail(self, mail_id: int, now: datetime, stale_before: datetime) -> bool: ...

    def update_mail(self, mail_id: int, **values: Any) -> None: ...

    def due_mails(self, now: datetime, stale_before: datetime, limit: int = 500) -> list[int]: ...

    def digest_mails(self, before: datetime) -> list[OutgoingMail]: ...

    def mails_for_case(self, case_id: int) -> list[OutgoingMail]: ...

    def is_our_message(self, message_ids: list[str]) -> bool: ...

    def seen_inbound(self, message_id: str) -> bool: ...

    def record_inbound(self, **values: Any) -> bool: ...

    def add_webhook(self, **values: Any) -> Webhook: ...

    def get_webhook(self, webhook_id: int) -> Webhook | None: ...

    def webhooks(self, org_id: int | None, *, include_support: bool = False) -> list[Webhook]: ...

    def update_webhook(self, webhook_id: int, **values: Any) -> None: ...

    def delete_webhook(self, webhook_id: int) -> None: ...

    def add_delivery(self, **values: Any) -> WebhookDelivery: ...

    def get_delivery(self, delivery_id: int) -> WebhookDelivery | None: ...

    def claim_delivery(self, delivery_id: int, now: datetime, stale_before: datetime) -> bool: ...

    def update_delivery(self, delivery_id: int, **values: Any) -> None: ...

    def deliveries(self, webhook_id: int, limit: int = 100) -> list[WebhookDelivery]: ...

    def due_deliveries(
        self, now: datetime, stale_before: datetime, limit: int = 500
    ) -> list[int]: ...


class UnitOfWork(Protocol):
    """One atomic piece of work: commit all of it or none of it."""

    orgs: OrgRepository
    users: UserRepository
    cases: CaseRepository
    idempotency: IdempotencyRepository
    intake: IntakeRepository
    sessions: SessionRepository
    audit: AuditRepository
    notify: NotifyRepository

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def flush(self) -> None: ...


class AuditRepository(Protocol):
    """The organisation audit trail and break-glass approvals."""

    def add(self, entry: AuditEntry) -> None: ...

    def entries(
        self,
        org_id: int,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100_000,
    ) -> list[AuditEntry]: ...

    def add_approval(self, approval: BreakGlassApproval) -> None: ...

    def approvals(self, case_id: int) -> list[BreakGlassApproval]: ...
