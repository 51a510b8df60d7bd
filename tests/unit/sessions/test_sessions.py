"""Session rules: status machine, SEQUENCE bumps, agenda, readiness and disengaging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engage.domain import sessions as s
from engage.domain.meetings import Meeting, MeetingTool
from engage.domain.sessions import (
    ActiveTasksRemain,
    AgendaTask,
    InvalidSessionTransition,
    Participant,
    Response,
    Role,
    Session,
    SessionRuleError,
    SessionStatus,
    TaskState,
)

T1 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
T2 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
SUPPORT = Participant("support@engage.test", "Kubecost Support", Role.ASSIGNEE)
ANA = Participant("ana@customer.test", "Ana", Role.CUSTOMER)
RAJ = Participant("raj@customer.test", "Raj", Role.CUSTOMER, required=False)


def proposed() -> Session:
    session = Session(
        uid="session-1@engage.test",
        case_id="C-1",
        topic="Aggregator OOM",
        organizer=SUPPORT,
        duration=timedelta(hours=1),
        participants=(ANA, RAJ),
    )
    session = s.add_task(session, AgendaTask("t1", "Collect aggregator logs", ANA.email))
    session = s.add_task(session, AgendaTask("t2", "Review DuckDB size", SUPPORT.email))
    return s.propose(session, [T2, T1])


def booked() -> Session:
    return s.book(proposed(), T1)


def test_customer_picks_a_proposed_start() -> None:
    session = proposed()
    assert session.proposed_starts == (T1, T2) and session.sequence == 0
    session = s.book(session, T2)
    assert session.status is SessionStatus.BOOKED and session.end == T2 + timedelta(hours=1)
    with pytest.raises(SessionRuleError, match="not one of the proposed"):
        s.book(proposed(), T1 + timedelta(minutes=5))
    direct = s.book(proposed(), T1 + timedelta(minutes=5), direct=True)
    assert direct.start == T1 + timedelta(minutes=5)
    with pytest.raises(SessionRuleError, match="no time zone"):
        s.book(proposed(), datetime(2026, 3, 2, 14, 0), direct=True)


def test_every_invite_visible_change_bumps_sequence_once_booked() -> None:
    session = booked()
    assert session.sequence == 0
    session = s.attach_meeting(session, Meeting(MeetingTool.ZOOM, "https://zoom.test/j/1"))
    assert (session.sequence, session.tool) == (1, MeetingTool.ZOOM)
    session = s.add_participant(session, Participant("li@support.test", "Li", Role.ENGINEER))
    assert session.sequence == 2
    session = s.reschedule(session, T2)
    assert session.sequence == 3 and session.start == T2
    session = s.remove_participant(session, "RAJ@customer.test")
    assert (
        session.sequence == 4 and [p.email for p in session.participants][-1] == "li@support.test"
    )
    # replies, readiness and ticking tasks change no invite
    session = s.respond(session, ANA.email, Response.ACCEPTED)
    session = s.confirm_ready(session, ANA.email)
    session = s.set_task_state(session, "t1", TaskState.DOING)
    assert session.sequence == 4
    cancelled = s.cancel(session)
    assert cancelled.status is SessionStatus.CANCELLED and cancelled.sequence == 5


def test_proposed_changes_do_not_bump() -> None:
    session = s.add_participant(proposed(), Participant("li@support.test", role=Role.ENGINEER))
    assert session.sequence == 0
    assert s.cancel(session).sequence == 0


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ([], {"book", "cancel"}),
        (["book"], {"begin", "cancel", "reschedule"}),
        (["book", "begin"], {"finish", "disengage_done"}),
        (["book", "begin", "finish"], set()),
        (["cancel"], set()),
    ],
)
def test_status_machine(path: list[str], allowed: set[str]) -> None:
    steps = {
        "book": lambda x: s.book(x, T1),
        "cancel": s.cancel,
        "begin": s.begin,
        "finish": s.finish,
        "reschedule": lambda x: s.reschedule(x, T2),
        "disengage_done": lambda x: s.disengage(
            s.set_task_state(s.set_task_state(x, "t1", TaskState.DONE), "t2", TaskState.DROPPED)
        ),
    }
    session = proposed()
    for step in path:
        session = steps[step](session)
    for name, step in steps.items():
        if name in allowed:
            step(session)
        else:
            with pytest.raises(InvalidSessionTransition):
                step(session)


def test_disengage_only_when_no_active_task_left() -> None:
    session = s.begin(booked())
    assert not s.may_disengage(session)
    with pytest.raises(ActiveTasksRemain, match="2 active task"):
        s.disengage(session)
    session = s.set_task_state(session, "t1", TaskState.DONE)
    assert [t.id for t in s.active_tasks(session)] == ["t2"]
    with pytest.raises(ActiveTasksRemain, match="Review DuckDB size"):
        s.disengage(session)
    session = s.set_task_state(session, "t2", TaskState.DROPPED)
    assert s.may_disengage(session)
    done = s.disengage(session)
    assert done.status is SessionStatus.DISENGAGED and "internally" in done.note
    with pytest.raises(InvalidSessionTransition):
        s.set_task_state(done, "t1", TaskState.TODO)


def test_booked_session_cannot_be_disengaged_before_it_starts() -> None:
    session = s.set_task_state(
        s.set_task_state(booked(), "t1", TaskState.DONE), "t2", TaskState.DONE
    )
    assert not s.may_disengage(session)
    with pytest.raises(InvalidSessionTransition):
        s.disengage(session)


def test_readiness_and_no_shows() -> None:
    session = booked()
    assert s.not_ready(session) == [ANA.email]  # Raj is optional
    session = s.confirm_ready(session, ANA.email)
    assert s.not_ready(session) == []
    with pytest.raises(InvalidSessionTransition):
        s.record_no_show(session, ANA.email)
    session = s.record_no_show(s.begin(session), RAJ.email)
    assert session.participant(RAJ.email).no_show and not session.participant(ANA.email).no_show
    with pytest.raises(InvalidSessionTransition):
        s.confirm_ready(session, RAJ.email)


def test_agenda_rules() -> None:
    session = proposed()
    with pytest.raises(SessionRuleError, match="already on the agenda"):
        s.add_task(session, AgendaTask("t1", "again", ANA.email))
    with pytest.raises(SessionRuleError, match="not a participant"):
        s.add_task(session, AgendaTask("t3", "stranger's task", "who@else.test"))
    with pytest.raises(SessionRuleError, match="no task"):
        s.set_task_state(session, "t9", TaskState.DONE)
    with pytest.raises(SessionRuleError, match="already invited"):
        s.add_participant(session, Participant("ANA@customer.test"))
