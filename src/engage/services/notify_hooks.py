"""One-line hooks other services call where an event happens (diagnostics, uploads, sessions,
splits); each turns the event into ``notify.emit`` with the lines its mail shows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from engage.domain.cases import Case
from engage.domain.notifications import Kind
from engage.domain.policy import DataSharing, policy_from_dict
from engage.domain.sessions import Session, SessionStatus
from engage.domain.users import User
from engage.services.notify import emit
from engage.services.ports import Clock, UnitOfWork

MAX_FINDINGS_IN_MAIL = 10


def diagnostics_requested(
    uow: UnitOfWork, clock: Clock, case: Case, actor: User, title: str, due: datetime | None
) -> None:
    """Support asked for diagnostics: the customer hears what and by when, by mail (the case
    page lists what is missing; the bell keeps to reminders, as the intake has it)."""
    when = f", due {due:%Y-%m-%d %H:%M} UTC" if due else ""
    detail = f"{title}{when}"
    emit(uow, clock, case, Kind.DIAGNOSTICS_REQUESTED, actor=actor, detail=detail, portal=False)


def diagnostics_overdue(uow: UnitOfWork, clock: Clock, case: Case, message: str) -> None:
    """A reminder: requested diagnostics are still missing (the portal notice exists already)."""
    emit(uow, clock, case, Kind.DIAGNOSTICS_OVERDUE, detail=message, portal=False)


def diagnostics_complete(uow: UnitOfWork, clock: Clock, case: Case, progress: str) -> None:
    """Every requested item is in: the assignee hears of it (the portal notice exists already)."""
    emit(uow, clock, case, Kind.DIAGNOSTICS_COMPLETE, detail=progress, portal=False)


def row_status(
    uow: UnitOfWork, clock: Clock, case: Case, status: str, label: str, reason: str
) -> None:
    """A requested item changed status; a rejection tells the customer why."""
    if status == "rejected":
        emit(uow, clock, case, Kind.UPLOAD_REJECTED, detail=f"{label}: {reason}".strip(": "))


def upload_arrived(
    uow: UnitOfWork, clock: Clock, case: Case, actor: User, name: str, kind: str
) -> None:
    """The customer uploaded an artifact: support hears of it by mail (a daily digest unless
    chosen otherwise); the case timeline shows it, so the bell is kept for what needs a look."""
    detail = f"{name} ({kind})"
    emit(uow, clock, case, Kind.UPLOAD_ARRIVED, actor=actor, detail=detail, portal=False)


def upload_analysed(
    uow: UnitOfWork, clock: Clock, case: Case, name: str, findings: Sequence[Mapping[str, Any]]
) -> None:
    """The analyzer finished: the customer gets a short summary, never evidence lines; for an
    organisation that shares findings only (or nothing), titles are left out too."""
    org = uow.orgs.get(case.org_id)
    sharing = policy_from_dict(org.policy if org else None).data_sharing
    detail = f"{name}: {len(findings)} finding(s)"
    lines: list[str] = []
    if sharing not in (DataSharing.FINDINGS_ONLY, DataSharing.NONE):
        ranked = sorted(findings, key=lambda f: str(f.get("severity", "")))
        lines = [f"{f.get('severity')}: {f.get('title')}" for f in ranked[:MAX_FINDINGS_IN_MAIL]]
    emit(uow, clock, case, Kind.UPLOAD_ANALYSED, detail=detail, lines=lines)


def session_proposed(
    uow: UnitOfWork, clock: Clock, case: Case, actor: User, starts: Sequence[datetime]
) -> None:
    """Support proposed times: the customer picks one in the portal."""
    lines = [f"{s:%a %d %b %Y %H:%M} UTC" for s in starts]
    emit(uow, clock, case, Kind.SESSION_PROPOSED, actor=actor, lines=lines)


def session_invited(
    uow: UnitOfWork, clock: Clock, case: Case, session: Session, update: bool
) -> None:
    """An invite went out (booked, changed or cancelled). The invite itself, with the
    iCalendar attached, is the mail; this adds the portal notice and webhook deliveries."""
    if session.status is SessionStatus.CANCELLED:
        kind = Kind.SESSION_CANCELLED
    else:
        kind = Kind.SESSION_CHANGED if update else Kind.SESSION_BOOKED
    when = f"{session.start:%a %d %b %Y %H:%M} UTC" if session.start else ""
    emit(uow, clock, case, kind, detail=f"{session.topic} {when}".strip(), mail=False)


def case_split(
    uow: UnitOfWork, clock: Clock, case: Case, actor: User, new_ids: Sequence[int]
) -> None:
    """A case became several: the customer gets the new case numbers."""
    numbers = ", ".join(f"#{i}" for i in new_ids)
    emit(
        uow,
        clock,
        case,
        Kind.CASE_SPLIT,
        actor=actor,
        detail=f"new cases {numbers}",
        lines=[f"Case #{i} continues one of the issues." for i in new_ids],
    )
