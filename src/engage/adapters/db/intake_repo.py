"""SQL storage of the diagnostics intake (implements IntakeRepository with SQLAlchemy Core).

The intake's values are frozen dataclasses whose fields match the columns, so a row becomes a
value with ``Record(**row._mapping)`` and an update is a plain ``UPDATE ... WHERE id = :id``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Table, and_, delete, exists, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from engage.adapters.db import tables as t
from engage.domain.intake import (
    ArtifactRecord,
    DiagnosticRequest,
    FindingRecord,
    RequestRow,
    RowStatus,
    UploadSession,
)
from engage.domain.notifications import Notification

R = TypeVar("R")
OPEN_ROW_STATUSES = (RowStatus.REQUESTED.value, RowStatus.REJECTED.value)


class SqlIntakeRepository:
    """Requests, rows, artifacts, upload sessions, findings, downloads and notifications."""

    def __init__(self, session: Session) -> None:
        self.s = session

    # -- helpers ---------------------------------------------------------------------------

    def _insert(self, table: Table, cls: type[R], values: dict[str, Any]) -> R:
        row = self.s.execute(insert(table).values(**values).returning(*table.c)).one()
        return cls(**row._mapping)

    def _one(self, table: Table, cls: type[R], key: object, lock: bool = False) -> R | None:
        q = select(table).where(table.c.id == key)
        if lock:
            q = q.with_for_update()
        row = self.s.execute(q).first()
        return cls(**row._mapping) if row else None

    def _many(self, cls: type[R], q: Any) -> list[R]:
        return [cls(**row._mapping) for row in self.s.execute(q)]

    def _update(self, table: Table, key: object, values: dict[str, Any]) -> None:
        self.s.execute(update(table).where(table.c.id == key).values(**values))

    # -- requests and rows -----------------------------------------------------------------

    def add_request(self, **values: Any) -> DiagnosticRequest:
        """Store a request."""
        return self._insert(t.diagnostic_requests, DiagnosticRequest, values)

    def get_request(self, request_id: int) -> DiagnosticRequest | None:
        """One request by id."""
        return self._one(t.diagnostic_requests, DiagnosticRequest, request_id)

    def requests(self, case_id: int) -> list[DiagnosticRequest]:
        """A case's requests, oldest first."""
        c = t.diagnostic_requests.c
        q = select(t.diagnostic_requests).where(c.case_id == case_id).order_by(c.id)
        return self._many(DiagnosticRequest, q)

    def update_request(self, request_id: int, **values: Any) -> None:
        """Change stored fields of a request."""
        self._update(t.diagnostic_requests, request_id, values)

    def overdue_requests(self, now: datetime, remind_before: datetime) -> list[DiagnosticRequest]:
        """Requests past due with a row still open, not reminded since `remind_before`."""
        c, r = t.diagnostic_requests.c, t.diagnostic_rows.c
        still_open = exists().where(r.request_id == c.id, r.status.in_(OPEN_ROW_STATUSES))
        q = (
            select(t.diagnostic_requests)
            .where(
                c.due_at.is_not(None),
                c.due_at < now,
                still_open,
                (c.reminded_at.is_(None)) | (c.reminded_at < remind_before),
            )
            .order_by(c.due_at, c.id)
        )
        return self._many(DiagnosticRequest, q)

    def claim_reminder(self, request_id: int, now: datetime, remind_before: datetime) -> bool:
        """Mark a request reminded unless someone else did since `remind_before` (one winner)."""
        c = t.diagnostic_requests.c
        q = (
            update(t.diagnostic_requests)
            .where(c.id == request_id, (c.reminded_at.is_(None)) | (c.reminded_at < remind_before))
            .values(reminded_at=now)
        )
        return bool(self.s.execute(q).rowcount == 1)  # type: ignore[attr-defined]

    def add_row(self, **values: Any) -> RequestRow:
        """Store a request row."""
        return self._row(self._insert(t.diagnostic_rows, RequestRow, values))

    def get_row(self, row_id: int, *, lock: bool = False) -> RequestRow | None:
        """One row by id; `lock` takes a row lock on PostgreSQL (status changes race)."""
        row = self._one(t.diagnostic_rows, RequestRow, row_id, lock=lock)
        return self._row(row) if row else None

    def rows(self, case_id: int) -> list[RequestRow]:
        """Every row of a case, in request order."""
        c = t.diagnostic_rows.c
        q = select(t.diagnostic_rows).where(c.case_id == case_id).order_by(c.request_id, c.id)
        return [self._row(r) for r in self._many(RequestRow, q)]

    def update_row(self, row_id: int, **values: Any) -> RequestRow:
        """Change a row and return it as stored."""
        self._update(t.diagnostic_rows, row_id, values)
        row = self.get_row(row_id)
        assert row is not None
        return row

    @staticmethod
    def _row(row: RequestRow) -> RequestRow:
        return RequestRow(**{**row.__dict__, "status": RowStatus(row.status)})

    # -- artifacts -------------------------------------------------------------------------

    def add_artifact(self, **values: Any) -> ArtifactRecord:
        """Store an artifact's metadata."""
        return self._insert(t.artifacts, ArtifactRecord, values)

    def get_artifact(self, artifact_id: int) -> ArtifactRecord | None:
        """One artifact by id (deleted ones too)."""
        return self._one(t.artifacts, ArtifactRecord, artifact_id)

    def artifacts(self, case_id: int) -> list[ArtifactRecord]:
        """A case's artifacts, newest first (deleted ones too, for the record)."""
        c = t.artifacts.c
        q = (
            select(t.artifacts)
            .where(c.case_id == case_id)
            .order_by(c.uploaded_at.desc(), c.id.desc())
        )
        return self._many(ArtifactRecord, q)

    def update_artifact(self, artifact_id: int, **values: Any) -> None:
        """Change stored fields of an artifact."""
        self._update(t.artifacts, artifact_id, values)

    def expired_artifacts(self, org_id: int, before: datetime) -> list[ArtifactRecord]:
        """Live artifacts of an organisation's cases uploaded before `before`."""
        a = t.artifacts.c
        q = (
            select(t.artifacts)
            .join(t.cases, t.cases.c.id == a.case_id)
            .where(t.cases.c.org_id == org_id, a.deleted_at.is_(None), a.uploaded_at < before)
            .order_by(a.id)
        )
        return self._many(ArtifactRecord, q)

    def key_in_use(self, content_key: str, *, except_id: int) -> bool:
        """True when another live artifact shares this stored content."""
        a = t.artifacts.c
        q = (
            select(a.id)
            .where(a.content_key == content_key, a.id != except_id, a.deleted_at.is_(None))
            .limit(1)
        )
        return self.s.execute(q).first() is not None

    def lock_content(self, content_key: str, now: datetime) -> None:
        """Take the lock on a content key until commit (retention and a new upload serialise)."""
        b = t.content_blobs
        dialect = self.s.get_bind().dialect.name
        ins = pg_insert(b) if dialect == "postgresql" else sqlite_insert(b)
        self.s.execute(ins.values(content_key=content_key, created_at=now).on_conflict_do_nothing())
        self.s.execute(
            select(b.c.content_key).where(b.c.content_key == content_key).with_for_update()
        )

    def incoming_in_use(self, incoming_key: str) -> bool:
        """True when an artifact still waits on this raw upload."""
        a = t.artifacts.c
        q = select(a.id).where(a.incoming_key == incoming_key).limit(1)
        return self.s.execute(q).first() is not None

    def artifacts_in(
        self, statuses: tuple[str, ...], org_id: int | None = None
    ) -> list[ArtifactRecord]:
        """Artifacts in any of these statuses (of one organisation), oldest first."""
        a = t.artifacts.c
        q = select(t.artifacts).where(a.status.in_(statuses)).order_by(a.id)
        if org_id is not None:
            q = q.join(t.cases, t.cases.c.id == a.case_id).where(t.cases.c.org_id == org_id)
        return self._many(ArtifactRecord, q)

    def org_usage(self, org_id: int, since: datetime) -> tuple[int, int]:
        """Bytes an organisation stores now, and bytes it uploaded since `since`."""
        a, c = t.artifacts.c, t.cases.c
        live = (
            select(func.coalesce(func.sum(a.size), 0))
            .join(t.cases, c.id == a.case_id)
            .where(c.org_id == org_id, a.deleted_at.is_(None))
        )
        recent = (
            select(func.coalesce(func.sum(a.size), 0))
            .join(t.cases, c.id == a.case_id)
            .where(c.org_id == org_id, a.uploaded_at >= since)
        )
        return int(self.s.execute(live).scalar_one()), int(self.s.execute(recent).scalar_one())

    def open_uploads(self, org_id: int) -> list[UploadSession]:
        """An organisation's open resumable uploads."""
        u, c = t.upload_sessions.c, t.cases.c
        q = (
            select(t.upload_sessions)
            .join(t.cases, c.id == u.case_id)
            .where(c.org_id == org_id, u.status == "open")
        )
        return self._many(UploadSession, q)

    def stale_uploads(self, before: datetime) -> list[UploadSession]:
        """Open uploads not touched since `before` (abandoned)."""
        u = t.upload_sessions.c
        q = select(t.upload_sessions).where(u.status == "open", u.updated_at < before)
        return self._many(UploadSession, q)

    # -- findings and downloads ------------------------------------------------------------

    def replace_findings(
        self, artifact_id: int, case_id: int, findings: list[Mapping[str, Any]]
    ) -> None:
        """Store an artifact's findings, replacing any from an earlier analysis."""
        self.s.execute(
            delete(t.artifact_findings).where(t.artifact_findings.c.artifact_id == artifact_id)
        )
        if findings:
            rows = [{**f, "artifact_id": artifact_id, "case_id": case_id} for f in findings]
            self.s.execute(insert(t.artifact_findings), rows)

    def findings(self, case_id: int) -> list[FindingRecord]:
        """Findings of a case's live artifacts."""
        f, a = t.artifact_findings.c, t.artifacts.c
        q = (
            select(t.artifact_findings)
            .join(t.artifacts, a.id == f.artifact_id)
            .where(f.case_id == case_id, a.deleted_at.is_(None))
            .order_by(f.artifact_id, f.id)
        )
        return self._many(FindingRecord, q)

    def add_download(self, artifact_id: int, user_id: int | None, at: datetime) -> None:
        """Record that `user_id` downloaded an artifact."""
        self.s.execute(
            insert(t.artifact_downloads).values(
                artifact_id=artifact_id, user_id=user_id, downloaded_at=at
            )
        )

    def downloads(self, artifact_id: int) -> list[tuple[int | None, datetime]]:
        """Who downloaded an artifact and when, oldest first."""
        d = t.artifact_downloads.c
        q = (
            select(d.user_id, d.downloaded_at)
            .where(d.artifact_id == artifact_id)
            .order_by(d.downloaded_at, d.id)
        )
        return [(uid, at) for uid, at in self.s.execute(q)]

    # -- upload sessions -------------------------------------------------------------------

    def add_upload(self, **values: Any) -> UploadSession:
        """Store a new resumable upload session."""
        return self._insert(t.upload_sessions, UploadSession, values)

    def get_upload(self, upload_id: str) -> UploadSession | None:
        """One upload session by id."""
        return self._one(t.upload_sessions, UploadSession, upload_id)

    def update_upload(self, upload_id: str, **values: Any) -> None:
        """Change stored fields of an upload session."""
        self._update(t.upload_sessions, upload_id, values)

    # -- notifications ---------------------------------------------------------------------

    def add_notification(self, **values: Any) -> Notification:
        """Store a notification for a person."""
        return self._insert(t.notifications, Notification, values)

    def notifications(self, user_id: int) -> list[Notification]:
        """A person's notifications, newest first."""
        n = t.notifications.c
        q = (
            select(t.notifications)
            .where(and_(n.user_id == user_id))
            .order_by(n.created_at.desc(), n.id.desc())
        )
        return self._many(Notification, q)
