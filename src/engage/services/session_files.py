"""Session calendar files (.ics) to download: the use case behind the portal's invite link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from engage.domain.errors import NotFound
from engage.domain.sessions import SessionStatus
from engage.domain.users import User
from engage.services.access import visible_case
from engage.services.ports import CalendarFiles, UnitOfWork


@dataclass(frozen=True)
class DownloadFile:
    """A file to hand to the browser: bytes, media type and the name to save it under."""

    data: bytes
    media_type: str
    filename: str


def session_invite_file(
    uow: UnitOfWork,
    files: CalendarFiles,
    *,
    actor: User,
    case_id: int,
    session_id: int,
    stamp: datetime,
) -> DownloadFile:
    """The .ics of a session with a time (a CANCEL once cancelled), or NotFound."""
    visible_case(uow, actor, case_id)
    record = uow.sessions.get(session_id)
    if record is None or record.case_id != case_id:
        raise NotFound(f"session {session_id} not found")
    if record.session.start is None:
        raise NotFound("this session has no time yet")
    cancel = record.session.status is SessionStatus.CANCELLED
    data, media_type = files.session_file(record.session, stamp=stamp, cancel=cancel)
    return DownloadFile(data, media_type, f"session-{record.id}.ics")
