"""Meeting links and invites for sessions: create, update, retry, fall back, delete, mail.

Failures never undo a booking: they are noted on the case timeline (internal) and shown on
the session by the portal, which offers a retry or the customer's own meeting link.
"""

from __future__ import annotations

import logging

from engage.domain import sessions as rules
from engage.domain.cases import Case
from engage.domain.errors import EngageError
from engage.domain.meetings import MeetingRequest
from engage.domain.session_records import SessionRecord
from engage.services import notify_hooks
from engage.services.cases import record_event
from engage.services.ports import Clock, MeetingProvider, UnitOfWork
from engage.services.session_common import SessionTools, save_session

log = logging.getLogger("engage.sessions")


def _request(record: SessionRecord) -> MeetingRequest:
    s = record.session
    assert s.start is not None and s.end is not None
    return MeetingRequest(
        uid=s.uid,
        topic=f"Kubecost support: {s.topic}",
        start=s.start,
        end=s.end,
        organizer_email=s.organizer.email,
        attendee_emails=tuple(p.email for p in s.participants),
        description=f"Case {s.case_id}: {s.topic}",
    )


def _provider(tools: SessionTools, record: SessionRecord) -> MeetingProvider | None:
    if tools.meetings is None:
        return None
    return tools.meetings(record.session.tool, record.custom_url, record.custom_dial_in)


def _note(
    uow: UnitOfWork, clock: Clock, case: Case, record: SessionRecord, kind: str, exc: Exception
) -> None:
    log.warning("session %s: %s: %s", record.id, kind, exc)
    record_event(
        uow,
        clock,
        case,
        None,
        kind,
        internal=True,
        session_id=record.id,
        error=f"{type(exc).__name__}: {exc}",
    )


def link_and_invite(
    uow: UnitOfWork,
    clock: Clock,
    tools: SessionTools,
    *,
    case: Case,
    record: SessionRecord,
    update: bool = False,
) -> SessionRecord:
    """Create or update the meeting link, then mail the invite; failures go on the timeline."""
    try:
        provider = _provider(tools, record)
        if provider is not None:
            request = _request(record)
            meeting = (
                provider.update(record.session.meeting, request)
                if record.session.meeting
                else provider.create(request)
            )
            if meeting != record.session.meeting:
                record = save_session(
                    uow, clock, record, rules.attach_meeting(record.session, meeting)
                )
    except EngageError as exc:
        _note(uow, clock, case, record, "session_link_failed", exc)
    send_invite(uow, clock, tools, case=case, record=record, update=update)
    uow.commit()
    return record


def send_invite(
    uow: UnitOfWork,
    clock: Clock,
    tools: SessionTools,
    *,
    case: Case,
    record: SessionRecord,
    update: bool = False,
) -> None:
    """Mail the invite (or cancellation); a mail failure is noted, never raised."""
    notify_hooks.session_invited(uow, clock, case, record.session, update)
    if tools.send_invite is None or not record.session.participants:
        return
    try:
        tools.send_invite(record.session, stamp=clock.now(), update=update)
    except Exception as exc:  # SMTP trouble of any kind must not undo the booking
        _note(uow, clock, case, record, "session_invite_failed", exc)
    else:
        record_event(
            uow,
            clock,
            case,
            None,
            "session_invite_sent",
            internal=True,
            session_id=record.id,
            sequence=record.session.sequence,
        )


def drop_meeting(
    uow: UnitOfWork, clock: Clock, tools: SessionTools, case: Case, record: SessionRecord
) -> None:
    """Delete the session's meeting at its provider; a failure is noted, never raised."""
    meeting = record.session.meeting
    try:
        provider = _provider(tools, record)
        if provider is not None and meeting is not None:
            provider.delete(meeting)
    except EngageError as exc:
        _note(uow, clock, case, record, "session_link_delete_failed", exc)
        uow.commit()
