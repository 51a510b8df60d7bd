"""Session reminders: mail participants 24 hours and 1 hour before a booked session."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from engage.domain import sessions as rules
from engage.domain.sessions import Session
from engage.services.ports import Clock, JobQueue, UnitOfWork
from engage.services.sessions import SessionTools

log = logging.getLogger(__name__)

REMINDER_JOB = "session_reminders"
REMINDER_EVERY = 300.0  # seconds between scheduler runs of the reminder job
REMINDERS = (("24h", timedelta(hours=24)), ("1h", timedelta(hours=1)))  # longest lead first


def _reminder_text(session: Session, now: datetime) -> str:
    assert session.start is not None
    minutes = max(0, round((session.start - now) / timedelta(minutes=1)))
    lines = [
        f"Your Kubecost support session for case {session.case_id} ({session.topic}) "
        f"starts in {minutes // 60} h {minutes % 60:02d} min, at "
        f"{session.start:%H:%M} UTC on {session.start:%a %d %b %Y}."
    ]
    if session.meeting is not None:
        lines.append(f"Join: {session.meeting.join_url}")
    waiting = rules.not_ready(session)
    if session.agenda:
        lines.append("Agenda: " + "; ".join(t.title for t in session.agenda))
    if waiting:
        lines.append("Not yet confirmed ready: " + ", ".join(waiting))
    return "\n\n".join(lines) + "\n"


def send_reminders(uow: UnitOfWork, clock: Clock, tools: SessionTools) -> int:
    """Mail each booked session's participants 24 h and 1 h ahead (once each); returns count."""
    if tools.mailer is None:
        return 0
    now, sent = clock.now(), 0
    for record in uow.sessions.starting_between(now, now + REMINDERS[0][1]):
        start = record.session.start
        assert start is not None
        due = [kind for kind, lead in REMINDERS if start - now <= lead]
        if not due or not uow.sessions.claim_reminder(record.id, due[-1], now):
            continue
        for kind in due[:-1]:  # a late booking skips the reminders it is already past
            uow.sessions.claim_reminder(record.id, kind, now)
        uow.commit()  # claimed before sending: at most one reminder of a kind, ever
        session = record.session
        try:
            tools.mailer.send(
                to=[p.email for p in session.participants],
                subject=f"Reminder: Kubecost support session {session.case_id}",
                text=_reminder_text(session, now),
                attachments=[],
            )
        except Exception as exc:  # one bad address or server hiccup must not stop the rest
            log.warning("reminder for session %s failed: %s", record.id, exc)
        else:
            sent += 1
    return sent


def register_jobs(
    jobs: JobQueue, uow: Callable[[], UnitOfWork], clock: Clock, tools: SessionTools
) -> None:
    """Register ``session_reminders`` (a scheduler runs it every REMINDER_EVERY seconds)."""

    def reminders() -> None:
        with uow() as unit:
            send_reminders(unit, clock, tools)

    jobs.register(REMINDER_JOB, reminders)
