"""The organisation audit trail and break-glass approvals (SQLAlchemy Core)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from engage.adapters.db import tables as t
from engage.domain.audit import AuditEntry, BreakGlassApproval


class SqlAuditRepository:
    """Append-only audit rows; approvals with an expiry."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, entry: AuditEntry) -> None:
        """Append one audit row."""
        self.s.execute(
            insert(t.audit_events).values(
                org_id=entry.org_id,
                actor_id=entry.actor_id,
                case_id=entry.case_id,
                kind=entry.kind,
                data=entry.data,
                created_at=entry.created_at,
            )
        )

    def entries(
        self,
        org_id: int,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100_000,
    ) -> list[AuditEntry]:
        """An organisation's audit rows, oldest first."""
        c = t.audit_events.c
        q = select(t.audit_events).where(c.org_id == org_id)
        if since is not None:
            q = q.where(c.created_at >= since)
        if until is not None:
            q = q.where(c.created_at < until)
        rows = self.s.execute(q.order_by(c.created_at, c.id).limit(limit)).mappings()
        return [_entry(r) for r in rows]

    def add_approval(self, approval: BreakGlassApproval) -> None:
        """Record a break-glass approval."""
        self.s.execute(
            insert(t.break_glass_approvals).values(
                org_id=approval.org_id,
                case_id=approval.case_id,
                kind=approval.kind,
                approved_by=approval.approved_by,
                reason=approval.reason,
                created_at=approval.created_at,
                expires_at=approval.expires_at,
            )
        )

    def approvals(self, case_id: int) -> list[BreakGlassApproval]:
        """Every approval on a case, newest first."""
        c = t.break_glass_approvals.c
        rows = self.s.execute(
            select(t.break_glass_approvals)
            .where(c.case_id == case_id)
            .order_by(c.created_at.desc())
        ).mappings()
        return [
            BreakGlassApproval(
                org_id=r["org_id"],
                case_id=r["case_id"],
                kind=r["kind"],
                approved_by=r["approved_by"],
                reason=r["reason"],
                created_at=r["created_at"],
                expires_at=r["expires_at"],
            )
            for r in rows
        ]


def _entry(r: Any) -> AuditEntry:
    return AuditEntry(
        org_id=r["org_id"],
        actor_id=r["actor_id"],
        case_id=r["case_id"],
        kind=r["kind"],
        data=dict(r["data"] or {}),
        created_at=r["created_at"],
    )
