"""The agenda of a session: tasks, ticking them off, readiness and no-shows."""

from __future__ import annotations

from dataclasses import replace

from engage.domain import sessions as rules
from engage.domain.errors import NotFound, PermissionDenied
from engage.domain.errors import ValidationFailed as Invalid
from engage.domain.session_records import SessionRecord
from engage.domain.sessions import AgendaTask, TaskState
from engage.domain.users import User
from engage.services.access import require_support
from engage.services.cases import record_event
from engage.services.ports import Clock, UnitOfWork
from engage.services.session_common import load, save_session


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
    record = save_session(uow, clock, record, rules.add_task(record.session, task))
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
    record = save_session(uow, clock, record, rules.set_task_state(record.session, task_id, state))
    uow.commit()
    return record


def confirm_ready(
    uow: UnitOfWork, clock: Clock, *, actor: User, case_id: int, session_id: int
) -> SessionRecord:
    """The actor confirms they are prepared for the agenda."""
    _, record = load(uow, actor, case_id, session_id)
    record = save_session(uow, clock, record, rules.confirm_ready(record.session, actor.email))
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
