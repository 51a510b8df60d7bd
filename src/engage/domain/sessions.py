"""Collaborative sessions: status machine, participants, agenda tasks and the disengage rule.

Values are frozen; each rule returns a new Session. ``sequence`` is the iCalendar SEQUENCE of
the session's invite: once a session is booked, every change an invite shows (time,
participants, link, topic, agenda items) bumps it, and so does cancelling. Replies, readiness
and ticking tasks off change no invite, so they leave it alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from engage.domain.errors import InvalidTransition, ValidationFailed
from engage.domain.meetings import Meeting, MeetingTool

DISENGAGE_NOTE = "No active task left: continuing investigation internally."


class SessionStatus(StrEnum):
    """Where a session stands."""

    PROPOSED = "proposed"
    BOOKED = "booked"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DISENGAGED = "disengaged"
    CANCELLED = "cancelled"


S = SessionStatus
TRANSITIONS: dict[SessionStatus, frozenset[SessionStatus]] = {
    S.PROPOSED: frozenset({S.BOOKED, S.CANCELLED}),
    S.BOOKED: frozenset({S.IN_PROGRESS, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.DONE, S.DISENGAGED}),
    S.DONE: frozenset(),
    S.DISENGAGED: frozenset(),
    S.CANCELLED: frozenset(),
}
"""Allowed status changes (rescheduling keeps BOOKED); DONE, DISENGAGED and CANCELLED are final."""


class TaskState(StrEnum):
    """An agenda task's state; TODO and DOING are active."""

    TODO = "todo"
    DOING = "doing"
    DONE = "done"
    DROPPED = "dropped"


ACTIVE_TASK_STATES = frozenset({TaskState.TODO, TaskState.DOING})


class Role(StrEnum):
    """Why someone is in the session."""

    CUSTOMER = "customer"
    ASSIGNEE = "assignee"
    ENGINEER = "engineer"  # brought in by support


class Response(StrEnum):
    """A participant's answer to the invite (iCalendar PARTSTAT values)."""

    NEEDS_ACTION = "NEEDS-ACTION"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    TENTATIVE = "TENTATIVE"


class InvalidSessionTransition(InvalidTransition):
    """A status change the session machine does not allow."""

    title = "Invalid session status change"


class SessionRuleError(ValidationFailed):
    """A change that breaks a session rule (unknown task, duplicate participant, bad times)."""

    title = "Session rule broken"


class ActiveTasksRemain(SessionRuleError):
    """Disengaging needs every agenda task done or dropped."""

    status = 409


@dataclass(frozen=True)
class Participant:
    """Someone invited; ``required`` maps to ROLE=REQ-PARTICIPANT in the invite."""

    email: str
    name: str = ""
    role: Role = Role.CUSTOMER
    required: bool = True
    response: Response = Response.NEEDS_ACTION
    ready: bool = False
    no_show: bool = False


@dataclass(frozen=True)
class AgendaTask:
    """One thing to work through in the session, owned by one participant (by e-mail)."""

    id: str
    title: str
    owner: str
    state: TaskState = TaskState.TODO

    @property
    def active(self) -> bool:
        """Whether the task still needs doing."""
        return self.state in ACTIVE_TASK_STATES


@dataclass(frozen=True)
class Session:
    """A collaborative session on a case; ``uid`` is the invite's stable iCalendar UID."""

    uid: str
    case_id: str
    topic: str
    organizer: Participant
    duration: timedelta
    participants: tuple[Participant, ...] = ()
    agenda: tuple[AgendaTask, ...] = ()
    tool: MeetingTool = MeetingTool.GOOGLE_MEET
    screen_sharing_allowed: bool = True
    status: SessionStatus = SessionStatus.PROPOSED
    proposed_starts: tuple[datetime, ...] = ()
    start: datetime | None = None
    meeting: Meeting | None = None
    sequence: int = 0
    note: str = ""

    @property
    def end(self) -> datetime | None:
        """When the booked session ends."""
        return None if self.start is None else self.start + self.duration

    def participant(self, email: str) -> Participant:
        """The participant with this e-mail, or SessionRuleError."""
        for person in self.participants:
            if person.email.lower() == email.lower():
                return person
        raise SessionRuleError(f"{email} is not a participant of this session")


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise SessionRuleError(f"{instant.isoformat()} has no time zone")
    return instant


def _move(session: Session, target: SessionStatus, **changes: object) -> Session:
    if target not in TRANSITIONS[session.status]:
        raise InvalidSessionTransition(f"a {session.status} session cannot become {target}")
    return replace(session, status=target, **changes)  # type: ignore[arg-type]


def _revise(session: Session, **changes: object) -> Session:
    """Apply an invite-visible change, bumping SEQUENCE once the session is booked."""
    if session.status in {S.DONE, S.DISENGAGED, S.CANCELLED}:
        raise InvalidSessionTransition(f"a {session.status} session cannot be changed")
    bump = 0 if session.status is S.PROPOSED else 1
    return replace(session, sequence=session.sequence + bump, **changes)  # type: ignore[arg-type]


def propose(session: Session, starts: Iterable[datetime]) -> Session:
    """Offer start times (from slot search) for the customer to pick from."""
    if session.status is not S.PROPOSED:
        raise InvalidSessionTransition(f"a {session.status} session takes no proposals")
    return replace(session, proposed_starts=tuple(sorted(_aware(s) for s in starts)))


def book(session: Session, start: datetime, *, direct: bool = False) -> Session:
    """Book a proposed start (or any start when support books ``direct``); re-check first."""
    _aware(start)
    if not direct and start not in session.proposed_starts:
        raise SessionRuleError(f"{start.isoformat()} was not one of the proposed times")
    return _move(session, S.BOOKED, start=start)


def reschedule(session: Session, start: datetime) -> Session:
    """Move a booked session to a new start (the invite goes out again with SEQUENCE + 1)."""
    _aware(start)
    if session.status is not S.BOOKED:
        raise InvalidSessionTransition(f"a {session.status} session cannot be rescheduled")
    return _revise(session, start=start)


def attach_meeting(session: Session, meeting: Meeting) -> Session:
    """Record where to join (link from a MeetingProvider)."""
    return _revise(session, meeting=meeting, tool=meeting.tool)


def add_participant(session: Session, person: Participant) -> Session:
    """Invite one more person (for example an engineer support brings in)."""
    if any(p.email.lower() == person.email.lower() for p in session.participants):
        raise SessionRuleError(f"{person.email} is already invited")
    return _revise(session, participants=(*session.participants, person))


def remove_participant(session: Session, email: str) -> Session:
    """Uninvite someone; tasks they own stay, so the agenda shows who must take them over."""
    gone = session.participant(email)
    return _revise(session, participants=tuple(p for p in session.participants if p is not gone))


def _update_participant(session: Session, email: str, **changes: object) -> Session:
    target = session.participant(email)
    people = tuple(replace(p, **changes) if p is target else p for p in session.participants)  # type: ignore[arg-type]
    return replace(session, participants=people)


def respond(session: Session, email: str, response: Response) -> Session:
    """Record a participant's reply to the invite."""
    return _update_participant(session, email, response=response)


def confirm_ready(session: Session, email: str) -> Session:
    """A participant confirms they have prepared for the agenda."""
    if session.status not in {S.PROPOSED, S.BOOKED}:
        raise InvalidSessionTransition(
            f"readiness is confirmed before the session, not {session.status}"
        )
    return _update_participant(session, email, ready=True)


def not_ready(session: Session) -> list[str]:
    """E-mails of required participants who have not confirmed they are ready."""
    return [p.email for p in session.participants if p.required and not p.ready]


def add_task(session: Session, task: AgendaTask) -> Session:
    """Put a task on the agenda."""
    if any(t.id == task.id for t in session.agenda):
        raise SessionRuleError(f"task {task.id} is already on the agenda")
    if task.owner.lower() != session.organizer.email.lower():
        session.participant(task.owner)
    return _revise(session, agenda=(*session.agenda, task))


def set_task_state(session: Session, task_id: str, state: TaskState) -> Session:
    """Tick a task off (or drop or reopen it); the invite does not change."""
    if session.status in {S.DONE, S.DISENGAGED, S.CANCELLED}:
        raise InvalidSessionTransition(f"a {session.status} session's agenda is closed")
    if all(t.id != task_id for t in session.agenda):
        raise SessionRuleError(f"no task {task_id} on the agenda")
    agenda = tuple(replace(t, state=state) if t.id == task_id else t for t in session.agenda)
    return replace(session, agenda=agenda)


def active_tasks(session: Session) -> list[AgendaTask]:
    """Tasks still to do (TODO or DOING)."""
    return [t for t in session.agenda if t.active]


def begin(session: Session) -> Session:
    """The session has started."""
    return _move(session, S.IN_PROGRESS)


def finish(session: Session, note: str = "") -> Session:
    """The session ended normally."""
    return _move(session, S.DONE, note=note)


def may_disengage(session: Session) -> bool:
    """Whether support may disengage now: in progress and no active task left."""
    return session.status is S.IN_PROGRESS and not active_tasks(session)


def disengage(session: Session, note: str = DISENGAGE_NOTE) -> Session:
    """End the session to continue internally; only when no active task is left."""
    remaining = active_tasks(session)
    if session.status is S.IN_PROGRESS and remaining:
        titles = ", ".join(t.title for t in remaining)
        raise ActiveTasksRemain(f"{len(remaining)} active task(s) left: {titles}")
    return _move(session, S.DISENGAGED, note=note)


def cancel(session: Session, note: str = "") -> Session:
    """Call the session off; the CANCEL invite carries SEQUENCE + 1."""
    moved = _move(session, S.CANCELLED, note=note)
    bump = 0 if session.status is S.PROPOSED else 1
    return replace(moved, sequence=session.sequence + bump)


def record_no_show(session: Session, email: str) -> Session:
    """Note that a participant did not turn up."""
    if session.status not in {S.IN_PROGRESS, S.DONE, S.DISENGAGED}:
        raise InvalidSessionTransition(
            f"no-shows are recorded once a session has started, not {session.status}"
        )
    return _update_participant(session, email, no_show=True)
