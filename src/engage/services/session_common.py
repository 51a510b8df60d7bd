"""What every session use case shares: the outside tools, loading and saving a session,
and who may take part. Split out of engage.services.sessions to keep each module readable."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from engage.domain.cases import Case
from engage.domain.errors import NotFound
from engage.domain.errors import ValidationFailed as Invalid
from engage.domain.meetings import MeetingTool
from engage.domain.session_records import SessionRecord
from engage.domain.sessions import Participant, Role, Session
from engage.domain.users import User
from engage.services.access import visible_case
from engage.services.availability import BusyFeed
from engage.services.ports import Clock, Mailer, MeetingProvider, UnitOfWork

MeetingFactory = Callable[[MeetingTool, str | None, str], MeetingProvider]
"""(tool, custom_url, custom_dial_in) -> the provider for a session's meeting link."""


class InviteSender(Protocol):
    """Mails a session's invite (REQUEST, or CANCEL once cancelled) to its participants."""

    def __call__(self, session: Session, *, stamp: datetime, update: bool) -> object:
        """Send the invite; `update` marks a changed session (a higher SEQUENCE)."""
        ...


@dataclass(frozen=True)
class SessionTools:
    """What sessions use outside engage; anything left None is skipped (and noted).

    ``configured_tools`` are the meeting tools this server can create links for (None: all,
    as in tests with stand-in providers); the portal offers only those the policy allows too.
    """

    meetings: MeetingFactory | None = None
    send_invite: InviteSender | None = None
    mailer: Mailer | None = None
    busy_feed: BusyFeed | None = None
    organizer_email: str = "support@engage.invalid"
    organizer_name: str = "Kubecost Support"
    configured_tools: frozenset[MeetingTool] | None = None

    def is_configured(self, tool: MeetingTool) -> bool:
        """True when this server can make links for ``tool``."""
        return self.configured_tools is None or tool in self.configured_tools


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


def save_session(
    uow: UnitOfWork, clock: Clock, record: SessionRecord, session: Session, **changes: object
) -> SessionRecord:
    """Store ``session`` (and any other changes) on ``record``."""
    return uow.sessions.save(
        replace(record, session=session, **changes),  # type: ignore[arg-type]
        clock.now(),
    )


def participant(uow: UnitOfWork, case: Case, user_id: int, required: bool = True) -> Participant:
    """The user as a participant of a session on ``case``, or Invalid if they cannot join."""
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
