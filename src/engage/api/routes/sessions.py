"""/api/v1 collaborative sessions on a case, their invites, and people's availability."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from engage.adapters.calendar.ics import Method, build_ics, content_type
from engage.api.deps import ActorDep, EngageDep, UowDep
from engage.api.schemas.sessions import (
    AvailabilityIn,
    AvailabilityRead,
    BookIn,
    NoShowIn,
    NoteIn,
    ParticipantAdd,
    SessionCreate,
    SessionRead,
    SlotSearchIn,
    TaskCreate,
    TaskUpdate,
)
from engage.bootstrap import Engage, build_session_tools
from engage.domain.errors import Conflict
from engage.domain.session_records import Availability, SessionRecord
from engage.domain.sessions import SessionStatus
from engage.services import availability as avail
from engage.services import sessions as svc

router = APIRouter(tags=["sessions"])
SESSION = "/cases/{case_id}/sessions/{session_id}"
TOOLS_KEY = "session_tools"


def install_tools(engage: Engage) -> svc.SessionTools:
    """Put the session tools in the container once (tests may have put their own there)."""
    tools = engage.extras.get(TOOLS_KEY)
    if not isinstance(tools, svc.SessionTools):
        tools = engage.extras[TOOLS_KEY] = build_session_tools(engage.settings)
    return tools


def get_tools(engage: EngageDep) -> svc.SessionTools:
    """The container's session tools."""
    return install_tools(engage)


ToolsDep = Annotated[svc.SessionTools, Depends(get_tools)]


def _read(record: SessionRecord) -> SessionRead:
    return SessionRead.of(record)


@router.get("/cases/{case_id}/sessions", response_model=list[SessionRead])
def list_sessions(case_id: int, uow: UowDep, actor: ActorDep) -> list[SessionRead]:
    """The case's sessions, oldest first."""
    return [_read(r) for r in svc.list_sessions(uow, actor=actor, case_id=case_id)]


@router.post("/cases/{case_id}/sessions", status_code=201, response_model=SessionRead)
def create_session(
    case_id: int,
    body: SessionCreate,
    engage: EngageDep,
    uow: UowDep,
    actor: ActorDep,
    tools: ToolsDep,
    response: Response,
) -> SessionRead:
    """Plan a session (support): topic, length, who takes part, meeting tool."""
    record = svc.create_session(
        uow,
        engage.clock,
        tools,
        actor=actor,
        case_id=case_id,
        topic=body.topic,
        duration_minutes=body.duration_minutes,
        participant_ids=body.participant_ids,
        tool=body.tool,
        custom_url=body.custom_url,
        custom_dial_in=body.custom_dial_in,
        screen_sharing_allowed=body.screen_sharing_allowed,
    )
    response.headers["Location"] = f"/api/v1/cases/{case_id}/sessions/{record.id}"
    return _read(record)


@router.get(SESSION, response_model=SessionRead)
def get_session(case_id: int, session_id: int, uow: UowDep, actor: ActorDep) -> SessionRead:
    """One session: times, link, participants, agenda, readiness."""
    return _read(svc.get_session(uow, actor=actor, case_id=case_id, session_id=session_id))


@router.post(SESSION + "/propose", response_model=SessionRead)
def propose(
    case_id: int,
    session_id: int,
    body: SlotSearchIn,
    engage: EngageDep,
    uow: UowDep,
    actor: ActorDep,
    tools: ToolsDep,
) -> SessionRead:
    """Search everyone's free time and offer the customer some starts (support)."""
    search = avail.SlotSearch(
        window_start=body.window_start,
        window_end=body.window_end,
        step_minutes=body.step_minutes,
        min_notice_minutes=body.min_notice_minutes,
        buffer_minutes=body.buffer_minutes,
        groups=tuple(tuple(g) for g in body.groups),
        count=body.count,
    )
    return _read(
        svc.propose_slots(
            uow,
            engage.clock,
            tools,
            actor=actor,
            case_id=case_id,
            session_id=session_id,
            search=search,
        )
    )


@router.post(SESSION + "/book", response_model=SessionRead)
def book(
    case_id: int,
    session_id: int,
    body: BookIn,
    engage: EngageDep,
    uow: UowDep,
    actor: ActorDep,
    tools: ToolsDep,
) -> SessionRead:
    """Pick a proposed start (or book any start directly, support); 409 if no longer free."""
    return _read(
        svc.book_session(
            uow,
            engage.clock,
            tools,
            actor=actor,
            case_id=case_id,
            session_id=session_id,
            start=body.start,
            direct=body.direct,
        )
    )


@router.post(SESSION + "/participants", response_model=SessionRead)
def add_participant(
    case_id: int,
    session_id: int,
    body: ParticipantAdd,
    engage: EngageDep,
    uow: UowDep,
    actor: ActorDep,
    tools: ToolsDep,
) -> SessionRead:
    """Bring someone in (support); a booked session's invite goes out again."""
    return _read(
        svc.add_participant(
            uow,
            engage.clock,
            tools,
            actor=actor,
            case_id=case_id,
            session_id=session_id,
            user_id=body.user_id,
            required=body.required,
        )
    )


@router.post(SESSION + "/tasks", status_code=201, response_model=SessionRead)
def add_task(
    case_id: int, session_id: int, body: TaskCreate, engage: EngageDep, uow: UowDep, actor: ActorDep
) -> SessionRead:
    """Put a task on the agenda (customers: tasks they own)."""
    return _read(
        svc.add_task(
            uow,
            engage.clock,
            actor=actor,
            case_id=case_id,
            session_id=session_id,
            title=body.title,
            owner=body.owner,
        )
    )


@router.patch(SESSION + "/tasks/{task_id}", response_model=SessionRead)
def set_task(
    case_id: int,
    session_id: int,
    task_id: str,
    body: TaskUpdate,
    engage: EngageDep,
    uow: UowDep,
    actor: ActorDep,
) -> SessionRead:
    """Tick a task off, drop or reopen it."""
    return _read(
        svc.set_task_state(
            uow,
            engage.clock,
            actor=actor,
            case_id=case_id,
            session_id=session_id,
            task_id=task_id,
            state=body.state,
        )
    )


@router.post(SESSION + "/ready", response_model=SessionRead)
def ready(
    case_id: int, session_id: int, engage: EngageDep, uow: UowDep, actor: ActorDep
) -> SessionRead:
    """Confirm you are prepared for the agenda."""
    return _read(
        svc.confirm_ready(uow, engage.clock, actor=actor, case_id=case_id, session_id=session_id)
    )


@router.post(SESSION + "/begin", response_model=SessionRead)
def begin(
    case_id: int, session_id: int, engage: EngageDep, uow: UowDep, actor: ActorDep
) -> SessionRead:
    """The session has started (support)."""
    return _read(
        svc.begin_session(uow, engage.clock, actor=actor, case_id=case_id, session_id=session_id)
    )


@router.post(SESSION + "/finish", response_model=SessionRead)
def finish(
    case_id: int, session_id: int, body: NoteIn, engage: EngageDep, uow: UowDep, actor: ActorDep
) -> SessionRead:
    """The session ended normally (support)."""
    return _read(
        svc.finish_session(
            uow, engage.clock, actor=actor, case_id=case_id, session_id=session_id, note=body.note
        )
    )


@router.post(SESSION + "/disengage", response_model=SessionRead)
def disengage(
    case_id: int, session_id: int, body: NoteIn, engage: EngageDep, uow: UowDep, actor: ActorDep
) -> SessionRead:
    """No active task left: continue internally; the case goes back to waiting on support."""
    return _read(
        svc.disengage_session(
            uow, engage.clock, actor=actor, case_id=case_id, session_id=session_id, note=body.note
        )
    )


@router.post(SESSION + "/cancel", response_model=SessionRead)
def cancel(
    case_id: int,
    session_id: int,
    body: NoteIn,
    engage: EngageDep,
    uow: UowDep,
    actor: ActorDep,
    tools: ToolsDep,
) -> SessionRead:
    """Call the session off (support): a METHOD:CANCEL invite goes to everyone."""
    return _read(
        svc.cancel_session(
            uow,
            engage.clock,
            tools,
            actor=actor,
            case_id=case_id,
            session_id=session_id,
            note=body.note,
        )
    )


@router.post(SESSION + "/no-shows", response_model=SessionRead)
def no_show(
    case_id: int, session_id: int, body: NoShowIn, engage: EngageDep, uow: UowDep, actor: ActorDep
) -> SessionRead:
    """Record that a participant did not turn up (support)."""
    return _read(
        svc.record_no_show(
            uow, engage.clock, actor=actor, case_id=case_id, session_id=session_id, email=body.email
        )
    )


def invite_bytes(record: SessionRecord, stamp: datetime) -> bytes:
    """The .ics of a booked session: REQUEST while on, CANCEL once cancelled."""
    session = record.session
    if session.start is None:
        raise Conflict("the session has no time yet; pick one of the proposed times first")
    cancelled = session.status is SessionStatus.CANCELLED
    return build_ics(session, stamp=stamp, method=Method.CANCEL if cancelled else Method.REQUEST)


@router.get(
    SESSION + "/invite.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
def invite(
    case_id: int, session_id: int, engage: EngageDep, uow: UowDep, actor: ActorDep
) -> Response:
    """The session's iCalendar invite, to import into any calendar."""
    record = svc.get_session(uow, actor=actor, case_id=case_id, session_id=session_id)
    data = invite_bytes(record, engage.clock.now())
    method = Method.CANCEL if record.session.status is SessionStatus.CANCELLED else Method.REQUEST
    return Response(
        data,
        media_type=content_type(method),
        headers={"Content-Disposition": f'attachment; filename="session-{record.id}.ics"'},
    )


def _availability(
    uow: UowDep, user_id: int, now: datetime, found: Availability
) -> AvailabilityRead:
    return AvailabilityRead.of(found, avail.manual_blocks(uow, user_id, now))


@router.get("/users/{user_id}/availability", response_model=AvailabilityRead)
def get_availability(
    user_id: int, engage: EngageDep, uow: UowDep, actor: ActorDep
) -> AvailabilityRead:
    """Someone's working hours, days off, entered busy blocks and calendar feed."""
    found = avail.get_availability(uow, actor=actor, user_id=user_id)
    return _availability(uow, user_id, engage.clock.now(), found)


@router.put("/users/{user_id}/availability", response_model=AvailabilityRead)
def put_availability(
    user_id: int,
    body: AvailabilityIn,
    engage: EngageDep,
    uow: UowDep,
    actor: ActorDep,
    tools: ToolsDep,
) -> AvailabilityRead:
    """Replace someone's hours (yourself; customer admins their people; support managers)."""
    saved = avail.set_availability(
        uow,
        engage.clock,
        actor=actor,
        user_id=user_id,
        tz=body.tz,
        weekly=body.weekly,
        overrides=body.overrides,
        busy=body.busy,
        ics_url=body.ics_url,
        busy_feed=tools.busy_feed,
    )
    return _availability(uow, user_id, engage.clock.now(), saved)
