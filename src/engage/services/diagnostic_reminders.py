"""Reminders about overdue diagnostic requests (a periodic job; safe to run concurrently)."""

from __future__ import annotations

from datetime import timedelta

from engage.services import notify_hooks
from engage.services.cases import record_event
from engage.services.diagnostics import OPEN, request_title
from engage.services.ports import Clock, UnitOfWork

REMINDER_JOB = "diagnostic_reminders"
REMINDER_EVERY = 3600.0


def send_reminders(uow: UnitOfWork, clock: Clock, *, every: timedelta = timedelta(hours=24)) -> int:
    """Remind customers of overdue requests (at most once per `every`); returns how many."""
    now = clock.now()
    sent = 0
    for req in uow.intake.overdue_requests(now, now - every):
        # the claim is an UPDATE only one concurrent run can win: no duplicate notifications
        if not uow.intake.claim_reminder(req.id, now, now - every):
            continue
        case = uow.cases.get(req.case_id)
        if case is None or not case.is_open:
            continue
        missing = [
            r for r in uow.intake.rows(req.case_id) if r.request_id == req.id and r.status in OPEN
        ]
        record_event(
            uow,
            clock,
            case,
            None,
            "diagnostics_overdue",
            request_id=req.id,
            artifact_kind=req.kind,
            missing=[r.label for r in missing],
        )
        message = (
            f"Case #{case.id}: {request_title(req)} was due {req.due_at:%Y-%m-%d %H:%M} UTC; "
            f"still missing: {', '.join(r.label for r in missing)}."
        )
        notify_hooks.diagnostics_overdue(uow, clock, case, message)
        for uid in {case.reporter_id, case.assignee_id} - {None}:
            uow.intake.add_notification(
                user_id=uid,
                case_id=case.id,
                kind="diagnostics_overdue",
                message=message,
                created_at=now,
            )
        sent += 1
    uow.commit()
    return sent
