"""Session and availability request and response bodies."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import Field

from engage.api.schemas.base import Body, IsoDatetime, Read
from engage.domain import sessions as rules
from engage.domain.meetings import MeetingTool
from engage.domain.session_records import Availability, SessionRecord
from engage.domain.sessions import Response, Role, SessionStatus, TaskState

Hours = list[list[str]]


class SessionCreate(Body):
    """A new session on a case: who, how long, which tool."""

    topic: str = Field(min_length=1, max_length=200)
    duration_minutes: int = Field(default=60, ge=15, le=480)
    participant_ids: list[int] | None = Field(
        default=None,
        max_length=30,
        description="users to invite; default: the assignee (or you) and the reporter",
    )
    tool: MeetingTool | None = Field(
        default=None, description="default: the organisation's meeting_tool"
    )
    custom_url: str | None = Field(default=None, max_length=2000)
    custom_dial_in: str = Field(default="", max_length=500)
    screen_sharing_allowed: bool | None = None


class SlotSearchIn(Body):
    """Where to look for times everyone can make."""

    window_start: IsoDatetime
    window_end: IsoDatetime
    step_minutes: int = Field(default=30, ge=5, le=24 * 60)
    min_notice_minutes: int = Field(default=60, ge=0, le=30 * 24 * 60)
    buffer_minutes: int = Field(default=0, ge=0, le=240)
    groups: list[list[int]] = Field(
        default_factory=list,
        max_length=10,
        description="user ids; at least one member of each group must be free",
    )
    count: int = Field(default=5, ge=1, le=20)


class BookIn(Body):
    """The proposed time the customer picks."""

    start: IsoDatetime
    direct: bool = Field(default=False, description="support: book a time not proposed")


class ParticipantAdd(Body):
    """Bring a person into a session."""

    user_id: int
    required: bool = True


class TaskCreate(Body):
    """A new agenda task with an owner."""

    title: str = Field(min_length=1, max_length=500)
    owner: str | None = Field(
        default=None, max_length=320, description="e-mail of a participant; default: you"
    )


class TaskUpdate(Body):
    """A task's new state (open, done, dropped)."""

    state: TaskState


class NoteIn(Body):
    """A note on a session."""

    note: str = Field(default="", max_length=2000)


class NoShowIn(Body):
    """Record that a participant did not come."""

    email: str = Field(min_length=3, max_length=320)


class ParticipantRead(Read):
    """A session participant and whether they are ready."""

    email: str
    name: str
    role: Role
    required: bool
    response: Response
    ready: bool
    no_show: bool
    user_id: int | None = None


class TaskRead(Read):
    """An agenda task."""

    id: str
    title: str
    owner: str
    state: TaskState
    active: bool


class MeetingRead(Read):
    """A session's meeting link (tool, URL, dial-in)."""

    tool: MeetingTool
    join_url: str
    dial_in: str


class SessionRead(Body):
    """A session: time, people, meeting, agenda and status."""

    id: int
    case_id: int
    uid: str
    topic: str
    status: SessionStatus
    tool: MeetingTool
    duration_minutes: int
    start: datetime | None
    end: datetime | None
    proposed_starts: list[datetime]
    meeting: MeetingRead | None
    participants: list[ParticipantRead]
    agenda: list[TaskRead]
    not_ready: list[str]
    may_disengage: bool
    screen_sharing_allowed: bool
    sequence: int
    note: str
    version: int
    invite_url: str | None

    @classmethod
    def of(cls, record: SessionRecord) -> SessionRead:
        """The API view of a stored session."""
        s = record.session
        base = f"/api/v1/cases/{record.case_id}/sessions/{record.id}"
        people = [
            ParticipantRead.model_validate(p).model_copy(
                update={"user_id": record.user_ids.get(p.email.lower())}
            )
            for p in s.participants
        ]
        return cls(
            id=record.id,
            case_id=record.case_id,
            uid=s.uid,
            topic=s.topic,
            status=s.status,
            tool=s.tool,
            duration_minutes=s.duration // timedelta(minutes=1),
            start=s.start,
            end=s.end,
            proposed_starts=list(s.proposed_starts),
            meeting=MeetingRead.model_validate(s.meeting) if s.meeting else None,
            participants=people,
            agenda=[TaskRead.model_validate(t) for t in s.agenda],
            not_ready=rules.not_ready(s),
            may_disengage=rules.may_disengage(s),
            screen_sharing_allowed=s.screen_sharing_allowed,
            sequence=s.sequence,
            note=s.note,
            version=record.version,
            invite_url=f"{base}/invite.ics" if s.start else None,
        )


class AvailabilityIn(Body):
    """A person's working hours, days off and optional ICS busy feed."""

    tz: str = Field(min_length=1, max_length=64, description="IANA zone, e.g. Europe/Berlin")
    weekly: dict[str, Hours] = Field(
        default_factory=dict, description='{"mon": [["09:00", "17:00"]], ...}'
    )
    overrides: dict[str, Hours] = Field(
        default_factory=dict, description='{"2026-03-09": []} (a day off)'
    )
    busy: list[tuple[IsoDatetime, IsoDatetime]] = Field(default_factory=list, max_length=500)
    ics_url: str | None = Field(default=None, max_length=2000)


class AvailabilityRead(Body):
    """A person's working hours and when their busy feed was last read."""

    user_id: int
    tz: str
    weekly: dict[str, Hours]
    overrides: dict[str, Hours]
    busy: list[tuple[datetime, datetime]]
    ics_url: str | None
    ics_fetched_at: datetime | None

    @classmethod
    def of(
        cls, availability: Availability, busy: list[tuple[datetime, datetime]]
    ) -> AvailabilityRead:
        """The API view of someone's hours and entered busy blocks."""
        a = availability
        return cls(
            user_id=a.user_id,
            tz=a.tz,
            weekly=dict(a.weekly),
            overrides=dict(a.overrides),
            busy=busy,
            ics_url=a.ics_url,
            ics_fetched_at=a.ics_fetched_at,
        )
