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

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from engage.domain import sessions as rules
from engage.domain.availability import Person
from engage.domain.cases import Case, CaseStatus
from engage.domain.errors import Conflict, NotFound
from engage.domain.errors import ValidationFailed as Invalid
from engage.domain.meetings import MeetingTool
from engage.domain.policy import SecurityPolicy, policy_from_dict
from engage.domain.session_records import SessionRecord
from engage.domain.sessions import Participant, Role, Session, SessionStatus
from engage.domain.slots import SlotQuery
from engage.domain.users import User
from engage.domain.workflow import BY_NAME
from engage.services import notify_hooks
from engage.services.access import require_support, visible_case
from engage.services.availability import (
    SlotSearch,
    everyone,
    find_starts,
    first_free,
    group_ids,
    recheck,
)
from engage.services.cases import record_event, system_transition
from engage.services.ports import Clock, UnitOfWork
from engage.services.session_agenda import add_task as add_task
from engage.services.session_agenda import confirm_ready as confirm_ready
from engage.services.session_agenda import record_no_show as record_no_show
from engage.services.session_agenda import set_task_state as set_task_state
from engage.services.session_common import InviteSender as InviteSender
from engage.services.session_common import MeetingFactory as MeetingFactory
from engage.services.session_common import SessionTools as SessionTools
from engage.services.session_common import get_session as get_session
from engage.services.session_common import list_sessions as list_sessions
from engage.services.session_common import load, participant, save_session
from engage.services.session_links import drop_meeting, send_invite
from engage.services.session_links import link_and_invite as link_and_invite
from engage.services.session_people import check_tool, default_tool

MIN_MINUTES, MAX_MINUTES = 15, 8 * 60


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
    chosen = _tool(tool, policy) if tool else default_tool(uow, tools, case)
    check_tool(uow, tools, case, chosen)
    if chosen is MeetingTool.CUSTOM and not custom_url:
        custom_url = policy.custom_meeting_url or None
    sharing = policy.screen_sharing and screen_sharing_allowed is not False
    ids = list(dict.fromkeys(participant_ids or [case.assignee_id or actor.id, case.reporter_id]))
    people = [participant(uow, case, uid) for uid in ids]
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
        participant(uow, case, uid)  # group members must be able to join
    record = replace(record, search=search.as_json())
    starts = find_starts(uow, clock, record, search, tools.busy_feed)
    record = save_session(uow, clock, record, rules.propose(record.session, starts))
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
            person = participant(uow, case, uid)
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
    record = save_session(uow, clock, booked, booked.session)
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
    person = participant(uow, case, user_id, required)
    changed = rules.add_participant(record.session, person)
    record = replace(record, session=changed, user_ids={**record.user_ids, person.email: user_id})
    if changed.start is not None and required:
        alone = replace(record, session=replace(changed, participants=(person,)), search={})
        recheck(uow, alone, changed.start, clock.now())
    record = save_session(uow, clock, record, changed)
    record_event(
        uow, clock, case, actor, "session_participant_added", session_id=record.id, user_id=user_id
    )
    uow.commit()
    if changed.start is None:
        return record
    return link_and_invite(uow, clock, tools, case=case, record=record, update=True)


def begin_session(
    uow: UnitOfWork, clock: Clock, *, actor: User, case_id: int, session_id: int
) -> SessionRecord:
    """The session has started (support)."""
    case, record = load(uow, actor, case_id, session_id)
    require_support(actor, "start sessions")
    record = save_session(uow, clock, record, rules.begin(record.session))
    record_event(uow, clock, case, actor, "session_started", session_id=record.id)
    uow.commit()
    return record


def finish_session(
    uow: UnitOfWork, clock: Clock, *, actor: User, case_id: int, session_id: int, note: str = ""
) -> SessionRecord:
    """The session ended normally (support); the case goes back to support."""
    case, record = load(uow, actor, case_id, session_id)
    require_support(actor, "end sessions")
    record = save_session(uow, clock, record, rules.finish(record.session, note))
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
    record = save_session(
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
    record = save_session(uow, clock, record, rules.cancel(record.session, note))
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
        drop_meeting(uow, clock, tools, case, record)
        send_invite(uow, clock, tools, case=case, record=record)
        uow.commit()
    return record
