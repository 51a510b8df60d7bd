"""Repository ports: how services read and write aggregates; ``adapters/db`` implements them.

``engage.services.ports`` re-exports every name here, so services import all ports from one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from engage.domain.audit import AuditEntry, BreakGlassApproval
from engage.domain.cases import Case, CaseEvent, CaseLink, CaseStatus, Comment, Severity
from engage.domain.intake import (
    ArtifactRecord,
    DiagnosticRequest,
    FindingRecord,
    RequestRow,
    UploadSession,
)
from engage.domain.notifications import Notification
from engage.domain.session_records import Availability, Block, SessionRecord
from engage.domain.users import ApiToken, Environment, Instance, Organisation, User
from engage.services.notify_repository import NotifyRepository

T = TypeVar("T")


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

    def add(self, obj: T) -> T:
        """Store a new aggregate; it comes back with its id."""

    def get(self, obj_id: int) -> T | None:
        """The aggregate with this id, or None."""


class OrgRepository(Repository[Organisation], Protocol):
    """Organisations, their environments and instances."""

    def by_slug(self, slug: str) -> Organisation | None:
        """The organisation with this slug, or None."""

    def all(self) -> list[Organisation]:
        """Every organisation."""

    def environments(self, org_id: int) -> list[Environment]:
        """The organisation's environments."""

    def add_environment(self, env: Environment) -> Environment:
        """Store a new environment."""

    def get_environment(self, env_id: int) -> Environment | None:
        """The environment with this id, or None."""

    def instances(self, org_id: int) -> list[Instance]:
        """The organisation's Kubecost instances."""

    def add_instance(self, inst: Instance) -> Instance:
        """Store a new instance."""

    def get_instance(self, inst_id: int) -> Instance | None:
        """The instance with this id, or None."""


class UserRepository(Repository[User], Protocol):
    """People and their API tokens."""

    def by_email(self, email: str) -> User | None:
        """The user with this e-mail address (any case), or None."""

    def in_org(self, org_id: int | None) -> list[User]:
        """The users of an organisation by name (None: support staff)."""

    def support_staff(self) -> list[User]:
        """Every support engineer and manager."""

    def add_token(self, token: ApiToken) -> ApiToken:
        """Store a new API token."""

    def token_by_hash(self, token_hash: str) -> ApiToken | None:
        """The token with this hash, or None."""

    def tokens_of(self, user_id: int) -> list[ApiToken]:
        """A user's API tokens."""

    def token_and_user(self, token_hash: str) -> tuple[ApiToken, User] | None:
        """A token by its hash with its user, in one query."""
        ...

    def get_token(self, token_id: int) -> ApiToken | None:
        """A token by id."""
        ...

    def mark_token_used(self, token_id: int, now: datetime, unless_after: datetime) -> bool:
        """Set last_used_at unless it is already later than `unless_after`; True if written."""
        ...

    def end_sessions(self, user_id: int) -> None:
        """Bump the user's session generation: every portal session made before ends."""
        ...

    def many(self, user_ids: Iterable[int]) -> dict[int, User]:
        """The users with these ids, by id, in one query."""
        ...


class CaseRepository(Repository[Case], Protocol):
    """Cases and everything hanging off them."""

    def query(self, q: CaseQuery) -> tuple[list[Case], int]:
        """One page of cases matching the query, and the total count."""

    def engineers(self, case_id: int) -> list[int]:
        """User ids of the engineers assigned to a case."""

    def set_engineers(self, case_id: int, user_ids: list[int]) -> None:
        """Replace the engineers assigned to a case."""

    def instances(self, case_id: int) -> list[int]:
        """Ids of the instances a case is about."""

    def set_instances(self, case_id: int, instance_ids: list[int]) -> None:
        """Replace the instances a case is about."""

    def add_comment(self, comment: Comment) -> Comment:
        """Store a new comment."""

    def comments(self, case_id: int, *, internal: bool) -> list[Comment]:
        """A case's comments, oldest first (internal ones when asked)."""

    def add_event(self, event: CaseEvent) -> CaseEvent:
        """Store a new timeline event."""

    def events(self, case_id: int, *, internal: bool) -> list[CaseEvent]:
        """A case's timeline events, oldest first (internal ones when asked)."""

    def add_link(self, link: CaseLink) -> CaseLink:
        """Store a new link between cases."""

    def links(self, case_id: int) -> list[CaseLink]:
        """Links from and to a case."""

    def status_history(self, case_id: int) -> list[tuple[datetime, CaseStatus]]:
        """Every status a case entered, with when."""

    def org_ids(self, case_ids: Iterable[int]) -> dict[int, int]:
        """The organisation of each existing case among `case_ids`, in one query."""
        ...

    def with_org(self, case_id: int) -> tuple[Case, Organisation] | None:
        """A case and its organisation in one query."""

    def engineers_and_instances(self, case_id: int) -> tuple[list[int], list[int]]:
        """The case's engineer ids and instance ids in one query."""


class IdempotencyRepository(Protocol):
    """Remembers which resource a client's Idempotency-Key created."""

    def find(self, user_id: int, key: str) -> tuple[str, str, int] | None:
        """(scope, request hash, resource id) remembered for the key, or None."""

    def remember(
        self, *, user_id: int, key: str, scope: str, request_hash: str, resource_id: int
    ) -> None:
        """Remember which resource a key created."""


class SessionRepository(Protocol):
    """Sessions with participants, agenda, reminders and no-shows; availability and busy time."""

    def add(self, record: SessionRecord) -> SessionRecord:
        """Store a new session."""

    def get(self, session_id: int) -> SessionRecord | None:
        """The session with this id, or None."""

    def for_case(self, case_id: int) -> list[SessionRecord]:
        """A case's sessions."""

    def save(self, record: SessionRecord, now: datetime) -> SessionRecord:
        """Write a changed session (optimistic: StaleVersion on a race)."""

    def lock_for_booking(self, session_id: int, user_ids: Iterable[int]) -> None:
        """Serialise bookings that involve any of these users."""

    def booked(
        self,
        user_ids: Iterable[int],
        start: datetime,
        end: datetime,
        exclude_session_id: int | None = None,
    ) -> dict[int, list[Block]]:
        """Booked time of each user in the window, by user id."""

    def starting_between(self, start: datetime, end: datetime) -> list[SessionRecord]:
        """Booked sessions starting in the window."""

    def claim_reminder(self, session_id: int, kind: str, at: datetime) -> bool:
        """Record a reminder as sent; False when it already was."""

    def reminders_sent(self, session_id: int) -> set[str]:
        """Kinds of reminder already sent for a session."""

    def add_no_show(self, session_id: int, email: str, by: int | None, at: datetime) -> None:
        """Record that a participant did not show up."""

    def availability(self, user_id: int) -> Availability | None:
        """A user's working hours, or None for the defaults."""

    def set_availability(self, availability: Availability) -> None:
        """Store a user's working hours."""

    def busy_blocks(
        self, user_ids: Iterable[int], start: datetime, end: datetime, source: str | None = None
    ) -> dict[int, list[Block]]:
        """Busy time of each user in the window (one source, or all)."""

    def replace_busy_blocks(self, user_id: int, source: str, blocks: Iterable[Block]) -> None:
        """Replace a user's busy time from one source."""

    def feed_users(self) -> list[int]:
        """The users who have an ICS busy feed to refresh."""


class IntakeRepository(Protocol):
    """Diagnostic requests, rows, artifacts, upload sessions, findings, downloads, notices."""

    def add_request(self, **values: Any) -> DiagnosticRequest:
        """Store a new diagnostic request."""

    def get_request(self, request_id: int) -> DiagnosticRequest | None:
        """The diagnostic request with this id, or None."""

    def requests(self, case_id: int) -> list[DiagnosticRequest]:
        """A case's diagnostic requests."""

    def update_request(self, request_id: int, **values: Any) -> None:
        """Change fields of a diagnostic request."""

    def overdue_requests(self, now: datetime, remind_before: datetime) -> list[DiagnosticRequest]:
        """Past-due requests with a row still open, not reminded since ``remind_before``."""

    def add_row(self, **values: Any) -> RequestRow:
        """Store a new request row."""

    def get_row(self, row_id: int, *, lock: bool = False) -> RequestRow | None:
        """The request row with this id (locked for update when asked), or None."""

    def rows(self, case_id: int) -> list[RequestRow]:
        """A case's request rows."""

    def update_row(self, row_id: int, **values: Any) -> RequestRow:
        """Change fields of a request row; the row as it is now."""

    def add_artifact(self, **values: Any) -> ArtifactRecord:
        """Store a new artifact record."""

    def get_artifact(self, artifact_id: int) -> ArtifactRecord | None:
        """The artifact with this id, or None."""

    def artifacts(self, case_id: int) -> list[ArtifactRecord]:
        """A case's artifacts."""

    def update_artifact(self, artifact_id: int, **values: Any) -> None:
        """Change fields of an artifact record."""

    def expired_artifacts(self, org_id: int, before: datetime) -> list[ArtifactRecord]:
        """An organisation's live artifacts uploaded before ``before``."""

    def key_in_use(self, content_key: str, *, except_id: int) -> bool:
        """Whether another live artifact shares this stored object."""

    def replace_findings(
        self, artifact_id: int, case_id: int, findings: list[Mapping[str, Any]]
    ) -> None:
        """Replace the findings of an artifact."""

    def findings(self, case_id: int) -> list[FindingRecord]:
        """A case's findings."""

    def add_download(self, artifact_id: int, user_id: int | None, at: datetime) -> None:
        """Record that someone downloaded an artifact."""

    def downloads(self, artifact_id: int) -> list[tuple[int | None, datetime]]:
        """Who downloaded an artifact, and when."""

    def add_upload(self, **values: Any) -> UploadSession:
        """Store a new resumable upload session."""

    def get_upload(self, upload_id: str) -> UploadSession | None:
        """The upload session with this id, or None."""

    def update_upload(self, upload_id: str, **values: Any) -> None:
        """Change fields of an upload session."""

    def add_notification(self, **values: Any) -> Notification:
        """Store a new in-app notification."""

    def notifications(self, user_id: int) -> list[Notification]:
        """A user's notifications."""

    def claim_reminder(self, request_id: int, now: datetime, remind_before: datetime) -> bool:
        """Mark the request reminded unless another process did after `remind_before`."""

    def lock_content(self, content_key: str, now: datetime) -> None:
        """Serialise work on one stored content (retention against a new upload of it)."""

    def incoming_in_use(self, incoming_key: str) -> bool:
        """Whether an artifact still points at this incoming (unprepared) object."""

    def artifacts_in(
        self, statuses: tuple[str, ...], org_id: int | None = None
    ) -> list[ArtifactRecord]:
        """Artifacts in these states (of one organisation, or all)."""

    def org_usage(self, org_id: int, since: datetime) -> tuple[int, int]:
        """The organisation's stored bytes and the bytes it uploaded since `since`."""

    def open_uploads(self, org_id: int) -> list[UploadSession]:
        """The organisation's upload sessions that are still open."""

    def stale_uploads(self, before: datetime) -> list[UploadSession]:
        """Open upload sessions last touched before `before` (abandoned)."""


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

    def commit(self) -> None:
        """Make every change of this unit of work permanent."""

    def rollback(self) -> None:
        """Discard every change not yet committed."""

    def flush(self) -> None:
        """Send pending changes to the database (ids assigned), not committed."""

    def retry(self, fn: Callable[[], T]) -> T:
        """Run `fn`; when it lost a race with another write, roll back and run it again."""
        ...


class AuditRepository(Protocol):
    """The organisation audit trail and break-glass approvals."""

    def add(self, entry: AuditEntry) -> None:
        """Append an entry to the audit trail."""

    def entries(
        self,
        org_id: int,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100_000,
    ) -> list[AuditEntry]:
        """An organisation's audit entries in the time range, oldest first."""

    def add_approval(self, approval: BreakGlassApproval) -> None:
        """Store a break-glass approval."""

    def approvals(self, case_id: int) -> list[BreakGlassApproval]:
        """A case's break-glass approvals."""
