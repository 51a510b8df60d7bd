"""Session rows <-> session values: how a session, its people, agenda and meeting are stored."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row

from engage.domain.meetings import Meeting, MeetingTool
from engage.domain.session_records import SessionRecord
from engage.domain.sessions import (
    AgendaTask,
    Participant,
    Response,
    Role,
    Session,
    SessionStatus,
    TaskState,
)


def meeting_to_json(meeting: Meeting | None) -> dict[str, Any] | None:
    """A meeting as a JSON column value."""
    if meeting is None:
        return None
    return {
        "tool": meeting.tool.value,
        "join_url": meeting.join_url,
        "provider_id": meeting.provider_id,
        "dial_in": meeting.dial_in,
        "extra": dict(meeting.extra),
    }


def meeting_from_json(data: Mapping[str, Any] | None) -> Meeting | None:
    """The meeting a JSON column value holds."""
    if not data:
        return None
    return Meeting(
        MeetingTool(data["tool"]),
        data["join_url"],
        data.get("provider_id", ""),
        data.get("dial_in", ""),
        dict(data.get("extra") or {}),
    )


def participant_from_row(row: Row[Any], no_shows: set[str]) -> Participant:
    """A participant from its row (no-show when their email is in ``no_shows``)."""
    m = row._mapping
    return Participant(
        email=m["email"],
        name=m["name"],
        role=Role(m["role"]),
        required=m["required"],
        response=Response(m["response"]),
        ready=m["ready"],
        no_show=m["email"].lower() in no_shows,
    )


def task_from_row(row: Row[Any]) -> AgendaTask:
    """An agenda task from its row."""
    m = row._mapping
    return AgendaTask(
        id=m["task_id"], title=m["title"], owner=m["owner"], state=TaskState(m["state"])
    )


def session_values(record: SessionRecord) -> dict[str, Any]:
    """The ``sessions`` row values of a record (children are written separately)."""
    s = record.session
    return {
        "uid": s.uid,
        "case_id": record.case_id,
        "topic": s.topic,
        "organizer_email": s.organizer.email,
        "organizer_name": s.organizer.name,
        "duration_minutes": s.duration // timedelta(minutes=1),
        "tool": s.tool.value,
        "custom_url": record.custom_url,
        "custom_dial_in": record.custom_dial_in,
        "screen_sharing_allowed": s.screen_sharing_allowed,
        "status": s.status.value,
        "proposed_starts": [p.isoformat() for p in s.proposed_starts],
        "search": dict(record.search),
        "start_at": s.start,
        "end_at": s.end,
        "meeting": meeting_to_json(s.meeting),
        "sequence": s.sequence,
        "note": s.note,
    }


def record_from_rows(
    row: Row[Any], people: list[Row[Any]], tasks: list[Row[Any]], absent: set[str]
) -> SessionRecord:
    """A session record from its row, participant rows, task rows and no-show emails."""
    m = row._mapping
    session = Session(
        uid=m["uid"],
        case_id=f"#{m['case_id']}",
        topic=m["topic"],
        organizer=Participant(m["organizer_email"], m["organizer_name"], Role.ASSIGNEE),
        duration=timedelta(minutes=m["duration_minutes"]),
        participants=tuple(participant_from_row(p, absent) for p in people),
        agenda=tuple(task_from_row(a) for a in tasks),
        tool=MeetingTool(m["tool"]),
        screen_sharing_allowed=m["screen_sharing_allowed"],
        status=SessionStatus(m["status"]),
        proposed_starts=tuple(datetime.fromisoformat(p) for p in m["proposed_starts"]),
        start=m["start_at"],
        meeting=meeting_from_json(m["meeting"]),
        sequence=m["sequence"],
        note=m["note"],
    )
    user_ids = {
        p._mapping["email"].lower(): p._mapping["user_id"]
        for p in people
        if p._mapping["user_id"] is not None
    }
    return SessionRecord(
        id=m["id"],
        case_id=m["case_id"],
        session=session,
        user_ids=user_ids,
        search=dict(m["search"] or {}),
        custom_url=m["custom_url"],
        custom_dial_in=m["custom_dial_in"],
        version=m["version"],
        created_by=m["created_by"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )
