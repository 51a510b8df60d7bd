"""Composition root: Settings -> adapters -> services (API, portal, worker and CLI call build)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from sqlalchemy import Engine

from engage.adapters.calendar.freebusy import busy_from_ics, read_ics
from engage.adapters.calendar.ics import send_invite
from engage.adapters.calendar.smtp import SmtpMailer
from engage.adapters.db.engine import make_engine
from engage.adapters.db.uow import SqlUnitOfWork, uow_factory
from engage.adapters.jobs.inprocess import InProcessJobQueue, Periodic
from engage.adapters.meetings import build_meeting_provider
from engage.adapters.objectstore import build_store
from engage.bootstrap_mail import threaded
from engage.config import Settings
from engage.domain.clock import SystemClock
from engage.domain.meetings import MeetingTool
from engage.domain.session_records import Block
from engage.domain.sessions import Session
from engage.services.ports import Clock, JobQueue, MeetingProvider, ObjectStore, UnitOfWork
from engage.services.sessions import SessionTools


@dataclass
class Engage:
    """Everything a delivery layer needs, built once per process."""

    settings: Settings
    engine: Engine
    uow: Callable[[], UnitOfWork]
    clock: Clock
    jobs: JobQueue
    store: ObjectStore
    extras: dict[str, object] = field(default_factory=dict)
    periodic: list[Periodic] = field(default_factory=list)

    def close(self) -> None:
        """Release connections."""
        self.engine.dispose()


def build(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    clock: Clock | None = None,
    jobs: JobQueue | None = None,
    store: ObjectStore | None = None,
) -> Engage:
    """Create engines, clients and services from settings (nothing connects at import)."""
    settings = settings or Settings()
    engine = engine or make_engine(settings.database_url)
    factory = uow_factory(engine)
    if jobs is None and settings.jobs != "inprocess":
        raise ValueError(f"unknown job queue {settings.jobs!r}; only 'inprocess' is built in")
    queue = jobs or InProcessJobQueue()

    def after_commit(name: str, kwargs: dict[str, object]) -> None:
        queue.enqueue(name, **kwargs)  # jobs a unit of work asked for (mail, webhooks)

    engage = Engage(
        settings=settings,
        engine=engine,
        uow=lambda: cast(UnitOfWork, SqlUnitOfWork(factory, on_commit=after_commit)),
        clock=clock or SystemClock(),
        jobs=queue,
        store=store or build_store(settings),
    )
    register_jobs(engage)
    return engage


def build_session_tools(settings: Settings) -> SessionTools:
    """Meeting providers, SMTP invites and ICS feeds as configured (None parts are skipped)."""
    mailer = SmtpMailer.from_settings(settings) if settings.smtp_host else None

    def meetings(tool: MeetingTool, url: str | None, dial_in: str) -> MeetingProvider:
        return build_meeting_provider(tool, settings, custom_url=url, custom_dial_in=dial_in)

    def invite(session: Session, *, stamp: datetime, update: bool) -> object:
        assert mailer is not None
        return send_invite(threaded(mailer, settings, session), session, stamp=stamp, update=update)

    def feed(url: str, start: datetime, end: datetime, tz: str) -> list[Block]:
        raw = read_ics(url, public_only=not settings.allow_private_feeds)
        return busy_from_ics(raw, start=start, end=end, tz=tz)

    return SessionTools(
        meetings=meetings,
        send_invite=invite if mailer else None,
        mailer=mailer,
        busy_feed=feed,
        organizer_email=settings.smtp_from,
    )


def register_jobs(engage: Engage) -> None:
    """Register every background job and the periodic ones the scheduler enqueues.

    Each feature adds its jobs here: `engage.jobs.register(name, callable)` and, for jobs that
    run on a schedule, `engage.periodic.append(Periodic(name, every=seconds))`.
    """
    register_intake_jobs(engage)
    register_session_jobs(engage)
    register_mail_jobs(engage)


def register_mail_jobs(engage: Engage) -> None:
    """Notifications: mail, webhooks, digests, SLA alerts and IMAP polling (issue 17)."""
    from engage.bootstrap_mail import mail_tools
    from engage.services import mail_jobs

    tools = mail_tools(engage)
    engage.extras["mail_tools"] = tools
    for name in mail_jobs.register_jobs(engage.jobs, engage.uow, engage.clock, tools):
        engage.periodic.append(Periodic(name, every=mail_jobs.PERIODIC.get(name, 60.0)))


def register_session_jobs(engage: Engage) -> None:
    """Sessions: reminders before booked sessions, with the configured meeting and mail tools."""
    from engage.services import session_reminders as reminders

    tools = engage.extras.get("session_tools")
    if not isinstance(tools, SessionTools):
        tools = engage.extras["session_tools"] = build_session_tools(engage.settings)
    reminders.register_jobs(engage.jobs, engage.uow, engage.clock, tools)
    engage.periodic.append(Periodic(reminders.REMINDER_JOB, every=reminders.REMINDER_EVERY))


def register_intake_jobs(engage: Engage) -> None:
    """Diagnostics intake: analyse uploads, remind about overdue requests, apply retention."""
    from engage.services import diagnostics, intake

    scratch = engage.settings.data_dir / "scratch"

    def analyze_artifact(artifact_id: int) -> None:
        with engage.uow() as uow:
            intake.analyze_artifact(
                uow, engage.clock, engage.store, artifact_id=artifact_id, scratch=scratch
            )

    def diagnostic_reminders() -> None:
        with engage.uow() as uow:
            diagnostics.send_reminders(uow, engage.clock)

    def artifact_retention() -> None:
        with engage.uow() as uow:
            intake.apply_retention(uow, engage.clock, engage.store)

    engage.jobs.register("analyze_artifact", analyze_artifact)
    engage.jobs.register("diagnostic_reminders", diagnostic_reminders)
    engage.jobs.register("artifact_retention", artifact_retention)
    engage.periodic.append(Periodic("diagnostic_reminders", every=3600))
    engage.periodic.append(Periodic("artifact_retention", every=6 * 3600))
