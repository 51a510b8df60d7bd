"""The session_reminders job: run by the scheduler, mails once per lead time, never twice."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage

from engage.adapters.jobs.inprocess import InProcessJobQueue, Periodic, Scheduler
from engage.domain.clock import FixedClock
from engage.services.session_reminders import REMINDER_EVERY, REMINDER_JOB, register_jobs
from engage.services.sessions import SessionTools
from tests.integration.conftest import World

from .conftest import Inbox
from .test_sessions_api import proposed_and_booked


def subject_of(message: EmailMessage) -> str:
    return " ".join(str(message["Subject"]).split())  # long subjects come folded


def test_reminders_go_out_24h_and_1h_before_once_each(
    world: World, tools: SessionTools, inbox: tuple[int, Inbox]
) -> None:
    _, booked = proposed_and_booked(world)  # the first proposal: Tue 3 Mar 09:00Z
    start = datetime.fromisoformat(booked["start"])
    assert start == datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    _, box = inbox
    invites = len(box.messages)
    clock = world.engage.clock
    assert isinstance(clock, FixedClock)
    queue = InProcessJobQueue(eager=True)
    register_jobs(queue, world.engage.uow, clock, tools)
    scheduler = Scheduler(queue, [Periodic(REMINDER_JOB, REMINDER_EVERY)])

    subject = f"Reminder: Kubecost support session #{booked['case_id']}"

    def run_at(at: datetime) -> list[str]:
        clock.at = at
        scheduler.tick(now=at.timestamp())
        assert not queue.failures
        # the database is shared by the whole run: keep only this case's mail
        return [subject_of(m) for _, m in box.messages[invites:] if subject_of(m) == subject]

    assert run_at(datetime(2026, 3, 2, 8, 0, tzinfo=UTC)) == []  # 25 h ahead: nothing yet
    day_before = run_at(datetime(2026, 3, 2, 9, 30, tzinfo=UTC))
    assert day_before == [subject]
    assert run_at(datetime(2026, 3, 2, 12, 0, tzinfo=UTC)) == day_before  # not again
    hour_before = run_at(datetime(2026, 3, 3, 8, 15, tzinfo=UTC))
    assert len(hour_before) == 2
    assert run_at(datetime(2026, 3, 3, 8, 50, tzinfo=UTC)) == hour_before
    _, last = next(m for m in reversed(box.messages) if subject_of(m[1]) == subject)
    text = last.get_body(("plain",)).get_content()
    assert "starts in 0 h 45 min" in text and booked["meeting"]["join_url"] in text
    assert "Not yet confirmed ready" in text


def test_a_late_booking_gets_only_the_nearest_reminder(
    world: World, tools: SessionTools, inbox: tuple[int, Inbox]
) -> None:
    _, booked = proposed_and_booked(world)
    subject = f"Reminder: Kubecost support session #{booked['case_id']}"
    clock = world.engage.clock
    assert isinstance(clock, FixedClock)
    queue = InProcessJobQueue(eager=True)
    register_jobs(queue, world.engage.uow, clock, tools)
    _, box = inbox
    invites = len(box.messages)
    clock.at = datetime(2026, 3, 3, 8, 30, tzinfo=UTC)  # first run already inside the hour
    queue.enqueue(REMINDER_JOB)
    clock.at = datetime(2026, 3, 3, 8, 40, tzinfo=UTC)
    queue.enqueue(REMINDER_JOB)
    assert [subject_of(m) for _, m in box.messages[invites:]].count(subject) == 1
