"""Session use cases: create, propose slots, book, link, invite, agenda, disengage, cancel.

The rules live in engage.domain.sessions; this module loads and saves sessions, checks who may
act, keeps the case in step (booking -> session_scheduled, disengage -> waiting_on_support)
and talks to the outside world through SessionTools (meeting providers, invite mail, ICS feeds).

Bookings cannot double-book: the people's availability is re-checked inside the booking lock
(``SessionRepository.lock_for_booking``), after everything is read fresh, and the session is
saved in the same transaction. Meeting links and invite mail happen after that commit, so a
slow provider never holds the lock; their failures are recorded on the case timeline.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from engage.domain import sessions as rules
from engage.domain.availability import Person
from engage.domain.cases import Case, CaseStatus
from engage.domain.errors import Conflict, EngageError, NotFound, PermissionDenied
from engage.domain.errors import ValidationFailed as Invalid
from engage.domain.meetings import MeetingRequest, MeetingTool
from engage.domain.policy import SecurityPolicy, policy_from_dict
from engage.domain.session_records import SessionRecord
from engage.domain.sessions import AgendaTask, Participant, Role, Session, SessionStatus, TaskState
from engage.domain.slots import SlotQuery
from engage.domain.users import User
from engage.domain.workflow import BY_NAME
from engage.services import notify_hooks
from engage.services.access import require_support, visible_case
from engage.services.availability import (
    BusyFeed,
    SlotSearch,
    everyone,
    find_starts,
    first_free,
    group_ids,
    recheck,
)
from engage.services.cases import record_event, system_transition
from engage.services.ports import Clock, Mailer, MeetingProvider, UnitOfWork

log = logging.getLogger("engage.sessions")

MeetingFactory = Callable[[MeetingTool, str | None, str], MeetingProvider]
"""(tool, custom_url, custom_dial_in) -> the provider for a session's meeting link."""
MIN_MINUTES, MAX_MINUTES = 15, 8 * 60


class InviteSender(Protocol):
    """Mails a session's invite (REQUEST, or CANCEL once cancelled) to its participants."""

    def __call__(self, session: Session, *, stamp: datetime, update: bool) -> object: ...


@dataclass(frozen=True)
class SessionTools:
    """What sessions use outside engage; anything left None is skipped (and noted)."""

    meetings: MeetingFactory | None = None
    send_invite: InviteSender | None = None
    mailer: Mailer | None = None
    busy_feed: BusyFeed | None = None
    organizer_email: str = "support@engage.invalid"
    organizer_name: str = "Kubecost Support"


def load(uow: UnitOfWork, actor: User, case_id: int, session_id: int) -> tuple[Case, SessionRecord]:
    """The case and one of its sessions, or NotFound (other organisations included)."""
    case = visible_case(uow, actor, case_id)
    record = uow.sessions.get(session_id)
    if record is None or record.case_id != case_id:
        raise NotFound(f"session {session_id} not found")
    return case, record


def list_sessions(uow: UnitOfWork, *, actor: User, case_id: int) -> list[SessionRecord]:
    """Every session of a case the actor may see."""
    visible_case(uow, actor, case_id)
    return uow.sessions.for_case(case_id)


def get_session(uow: UnitOfWork, *, actor: User, case_id: int, session_id: int) -> SessionRecord:
    """One session of a visible case."""
    return load(uow, actor, case_id, session_id)[1]


def _save(
    uow: UnitOfWork, clock: Clock, record: SessionRecord, session: Session, **changes: object
) -> SessionRecord:
    return uow.sessions.save(
        replace(record, session=session, **changes),  # type: ignore[arg-type]
        clock.now(),
    )


def _participant(uow: UnitOfWork, case: Case, user_id: int, required: bool = True) -> Participant:
    user = uow.users.get(user_id)
    if user is None or not (user.is_support or user.org_id == case.org_id) or not user.active:
        raise Invalid(f"user {user_id} cannot join a session on this case")
    role = (
        Role.ASSIGNEE
        if user_id == case.assignee_id
        else Role.ENGINEER
        if user.is_support
        else Role.CUSTOMER
    )
    return Participant(user.email.lower(), user.name, role, required=required)


def _tool(asked: object, policy: SecurityPolicy) -> MeetingTool:
    """The asked-for tool (or the first the policy allows), if the policy allows it."""
    try:
        chosen = (
            MeetingTool(str(asked))
            if asked
            else min(policy.meeting_tools, key=list(MeetingTool).index)
        )
    except ValueError:
        raise Invalid(f"unknown meeting tool {asked!r}") from None
    if chosen not in policy.meeting_tools:
        raise Invalid(f"the organisation's security policy does not allow {chosen.value}")
    return chosen


def create_session(
    uow: UnitOfWork,
    clock: Clock,
    tools: SessionTools,
    *,
    actor: User,
    case_id: int,
    topic: str,
    duration_minutes: int = 60,
    participant_ids: Sequence[int] | None = None,
    tool: MeetingTool | None = None,
    custom_url: str | None = None,
    custom_dial_in: str = "",
    screen_sharing_allowed: bool | None = None,
) -> SessionRecord:
    """Start planning a session (support): who takes part, how long, which meeting tool."""
    case = visible_case(uow, actor, case_id)
    require_support(actor, "schedule sessions")
    if not case.is_open:
        raise Conflict("the case is resolved or closed; reopen it to schedule a session")
    if not 1 <= len(topic.strip()) <= 200:
        raise Invalid("topic must be 1-200 characters")
    if not MIN_MINUTES <= duration_minutes <= MAX_MINUTES:
        raise Invalid(f"duration must be {MIN_MINUTES}-{MAX_MINUTES} minutes")
    org = uow.orgs.get(case.org_id)
    assert org is not None and case.id is not None and actor.id is not None
    policy = policy_from_dict(org.policy)
    chosen = _tool(tool or org.policy.get("meeting_tool"), policy)
    if chosen is MeetingTool.CUSTOM and not custom_url:
        custom_url = policy.custom_meeting_url or None
    sharing = policy.screen_sharing and screen_sharing_allowed is not False
    ids = list(dict.fromkeys(participant_ids or [case.assignee_id or actor.id, case.reporter_id]))
    people = [_participant(uow, case, uid) for uid in ids]
    session = Session(
        uid=f"session-{uuid.uuid4().hex}@engage",
        case_id=f"#{case.id}",
        topic=topic.strip(),
        organizer=Participant(tools.organizer_email, tools.organizer_name, Role.ASSIGNEE),
        duration=timedelta(minutes=duration_minutes),
        participants=tuple(people),
        tool=chosen,
        screen_sharing_allowed=sharing,
    )
    now = clock.now()
    record = uow.sessions.add(
        SessionRecord(
            id=0,
            case_id=case.id,
            session=session,
            user_ids={p.email: uid for p, uid in zip(people, ids, strict=True)},
            custom_url=custom_url,
            custom_dial_in=custom_dial_in,
            created_by=actor.id,
            created_at=now,
            updated_at=now,
        )
    )
    record_event(
        uow, clock, case, actor, "session_created", session_id=record.id, topic=session.topic
    )
    uow.commit()
    return record


def propose_slots(
    uow: UnitOfWork,
    clock: Clock,
    tools: SessionTools,
    *,
    actor: User,
    case_id: int,
    session_id: int,
    search: SlotSearch,
) -> SessionRecord:
    """Search everyone's free time and offer the customer up to ``search.count`` starts."""
    case, record = load(uow, actor, case_id, session_id)
    require_support(actor, "propose session times")
    for uid in {i for g in search.groups for i in g}:
        _participant(uow, case, uid)  # group members must be able to join
    record = replace(record, search=search.as_json())
    starts = find_starts(uow, clock, record, search, tools.busy_feed)
    record = _save(uow, clock, record, rules.propose(record.session, starts))
    record_event(
        uow,
        clock,
        case,
        actor,
        "session_proposed",
        session_id=record.id,
        starts=[s.isoformat() for s in starts],
    )
    notify_hooks.session_proposed(uow, clock, case, actor, starts)
    uow.commit()
    return record


def _bring_in_group_members(
    uow: UnitOfWork,
    case: Case,
    record: SessionRecord,
    people: dict[str, Person],
    query: SlotQuery,
    start: datetime,
) -> SessionRecord:
    """For each group with nobody invited yet, invite its first member free at ``start``."""
    session, ids = record.session, dict(record.user_ids)
    for group in group_ids(record):
        if set(group) & set(ids.values()):
            continue
        uid = first_free(people, query, start, group)
        if uid is not None:
            person = _participant(uow, case, uid)
            session = replace(session, participants=(*session.participants, person))
            ids[person.email] = uid
    return replace(record, session=session, user_ids=ids)


def _ensure_scheduled(uow: UnitOfWork, clock: Clock, case: Case) -> None:
    if CaseStatus(case.status) == CaseStatus.NEW:
        system_transition(uow, clock, case, CaseStatus.TRIAGE, "session booked")
    system_transition(uow, clock, case, CaseStatus.SESSION_SCHEDULED, "session booked")


def _lock(uow: UnitOfWork, session_id: int, extra: Sequence[int] = ()) -> None:
    """Take the booking lock for everyone the session's availability depends on."""
    peek = uow.sessions.get(session_id)
    if peek is None:
        raise NotFound(f"session {session_id} not found")
    uow.sessions.lock_for_booking(session_id, [*everyone(peek), *extra])


def book_session(
    uow: UnitOfWork,
    clock: Clock,
    tools: SessionTools,
    *,
    actor: User,
    case_id: int,
    session_id: int,
    start: datetime,
    direct: bool = False,
) -> SessionRecord:
    """The customer picks a proposed start (or support books ``direct``); no double booking."""
    _lock(uow, session_id)
    case, record = load(uow, actor, case_id, session_id)  # read fresh, under the lock
    if direct:
        require_support(actor, "book a time that was not proposed")
    booked = replace(record, session=rules.book(record.session, start, direct=direct))
    query, people = recheck(uow, booked, start, clock.now())
    booked = _bring_in_group_members(uow, case, booked, people, query, start)
    record = _save(uow, clock, booked, booked.session)
    record_event(
        uow,
        clock,
        case,
        actor,
        "session_booked",
        session_id=record.id,
        start=start.isoformat(),
        direct=direct,
    )
    _ensure_scheduled(uow, clock, case)
    uow.commit()
    return link_and_invite(uow, clock, tools, case=case, record=record)


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
                record = _save(uow, clock, record, rules.attach_meeting(record.session, meeting))
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


def _support_again(uow: UnitOfWork, clock: Clock, case: Case, reason: str) -> None:
    """Hand the case back to support (waiting on support) if the workflow allows it from here."""
    if CaseStatus(case.status) in BY_NAME["take_back"].sources:
        system_transition(uow, clock, case, CaseStatus.WAITING_ON_SUPPORT, reason)


def add_participant(
    uow: UnitOfWork,
    clock: Clock,
    tools: SessionTools,
    *,
    actor: User,
    case_id: int,
    session_id: int,
    user_id: int,
    required: bool = True,
) -> SessionRecord:
    """Bring someone in (support); once booked, they must be free and the invite is re-sent."""
    _lock(uow, session_id, [user_id])
    case, record = load(uow, actor, case_id, session_id)
    require_support(actor, "add people to a session")
    person = _participant(uow, case, user_id, required)
    changed = rules.add_participant(record.session, person)
    record = replace(record, session=changed, user_ids={**record.user_ids, person.email: user_id})
    if changed.start is not None and required:
        alone = replace(record, session=replace(changed, participants=(person,)), search={})
        recheck(uow, alone, changed.start, clock.now())
    record = _save(uow, clock, record, changed)
    record_event(
        uow, clock, case, actor, "session_participant_added", session_id=record.id, user_id=user_id
    )
    uow.commit()
    if changed.start is None:
        return record
    return link_and_invite(uow, clock, tools, case=case, record=record, update=True)


def add_task(
    uow: UnitOfWork,
    clock: Clock,
    *,
    actor: User,
    case_id: int,
    session_id: int,
    title: str,
    owner: str | None = None,
) -> SessionRecord:
    """Put a task on the agenda; customers may add tasks they own themselves."""
    case, record = load(uow, actor, case_id, session_id)
    owner = (owner or actor.email).lower()
    if not actor.is_support and owner != actor.email.lower():
        raise PermissionDenied("customers add agenda tasks for themselves")
    if not 1 <= len(title.strip()) <= 500:
        raise Invalid("a task title must be 1-500 characters")
    numbers = [int(t.id[1:]) for t in record.session.agenda if t.id[1:].isdigit()]
    task = AgendaTask(f"t{max(numbers, default=0) + 1}", title.strip(), owner)
    record = _save(uow, clock, record, rules.add_task(record.session, task))
    record_event(
        uow, clock, case, actor, "session_task_added", session_id=record.id, task=task.title
    )
    uow.commit()
    return record


def set_task_state(
    uow: UnitOfWork,
    clock: Clock,
    *,
    actor: User,
    case_id: int,
    session_id: int,
    task_id: str,
    state: TaskState,
) -> SessionRecord:
    """Tick a task off, drop or reopen it; customers only their own tasks."""
    _, record = load(uow, actor, case_id, session_id)
    task = next((t for t in record.session.agenda if t.id == task_id), None)
    if task is None:
        raise NotFound(f"no task {task_id} on this session's agenda")
    if not actor.is_support and task.owner.lower() != actor.email.lower():
        raise PermissionDenied("customers tick off their own tasks")
    record = _save(uow, clock, record, rules.set_task_state(record.session, task_id, state))
    uow.commit()
    return record


def confirm_ready(
    uow: UnitOfWork, clock: Clock, *, actor: User, case_id: int, session_id: int
) -> SessionRecord:
    """The actor confirms they are prepared for the agenda."""
    _, record = load(uow, actor, case_id, session_id)
    record = _save(uow, clock, record, rules.confirm_ready(record.session, actor.email))
    uow.commit()
    return record


def begin_session(
    uow: UnitOfWork, clock: Clock, *, actor: User, case_id: int, session_id: int
) -> SessionRecord:
    """The session has started (support)."""
    case, record = load(uow, actor, case_id, session_id)
    require_support(actor, "start sessions")
    record = _save(uow, clock, record, rules.begin(record.session))
    record_event(uow, clock, case, actor, "session_started", session_id=record.id)
    uow.commit()
    return record


def finish_session(
    uow: UnitOfWork, clock: Clock, *, actor: User, case_id: int, session_id: int, note: str = ""
) -> SessionRecord:
    """The session ended normally (support); the case goes back to support."""
    case, record = load(uow, actor, case_id, session_id)
    require_support(actor, "end sessions")
    record = _save(uow, clock, record, rules.finish(record.session, note))
    record_event(uow, clock, case, actor, "session_done", session_id=record.id, note=note)
    _support_again(uow, clock, case, "session done")
    uow.commit()
    return record


def disengage_session(
    uow: UnitOfWork,
    clock: Clock,
    *,
    actor: User,
    case_id: int,
    session_id: int,
    note: str = rules.DISENGAGE_NOTE,
) -> SessionRecord:
    """No active task left: end the session and continue internally (support)."""
    case, record = load(uow, actor, case_id, session_id)
    require_support(actor, "disengage")
    record = _save(
        uow, clock, record, rules.disengage(record.session, note or rules.DISENGAGE_NOTE)
    )
    record_event(
        uow,
        clock,
        case,
        actor,
        "session_disengaged",
        session_id=record.id,
        note=record.session.note,
    )
    _support_again(uow, clock, case, "session disengaged")
    uow.commit()
    return record


def _drop_meeting(
    uow: UnitOfWork, clock: Clock, tools: SessionTools, case: Case, record: SessionRecord
) -> None:
    meeting = record.session.meeting
    try:
        provider = _provider(tools, record)
        if provider is not None and meeting is not None:
            provider.delete(meeting)
    except EngageError as exc:
        _note(uow, clock, case, record, "session_link_delete_failed", exc)
        uow.commit()


def cancel_session(
    uow: UnitOfWork,
    clock: Clock,
    tools: SessionTools,
    *,
    actor: User,
    case_id: int,
    session_id: int,
    note: str = "",
) -> SessionRecord:
    """Call the session off (support): METHOD:CANCEL to everyone, meeting deleted."""
    case, record = load(uow, actor, case_id, session_id)
    require_support(actor, "cancel sessions")
    was_booked = record.session.start is not None
    record = _save(uow, clock, record, rules.cancel(record.session, note))
    record_event(uow, clock, case, actor, "session_cancelled", session_id=record.id, note=note)
    others = [
        r
        for r in uow.sessions.for_case(case_id)
        if r.id != record.id and r.session.status is SessionStatus.BOOKED
    ]
    if CaseStatus(case.status) == CaseStatus.SESSION_SCHEDULED and not others:
        _support_again(uow, clock, case, "session cancelled")
    uow.commit()
    if was_booked:
        _drop_meeting(uow, clock, tools, case, record)
        send_invite(uow, clock, tools, case=case, record=record)
        uow.commit()
    return record


def record_no_show(
    uow: UnitOfWork, clock: Clock, *, actor: User, case_id: int, session_id: int, email: str
) -> SessionRecord:
    """Note that a participant did not turn up (support)."""
    case, record = load(uow, actor, case_id, session_id)
    require_support(actor, "record no-shows")
    session = rules.record_no_show(record.session, email)
    person = session.participant(email)
    uow.sessions.add_no_show(record.id, person.email, actor.id, clock.now())
    record = replace(record, session=session)
    record_event(
        uow, clock, case, actor, "session_no_show", session_id=record.id, email=person.email
    )
    uow.commit()
    return record
