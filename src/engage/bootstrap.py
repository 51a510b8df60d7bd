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
from engage.adapters.db.secrets import shared_secret
from engage.adapters.jobs.database import DatabaseJobQueue
from engage.adapters.jobs.registry import Periodic
from engage.adapters.meetings import build_meeting_provider
from engage.adapters.objectstore import build_store
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
        close = getattr(self.jobs, "close", None)
        if callable(close):
            close()
        self.engine.dispose()

    def secret_key(self) -> str:
        """The portal's signing key: ENGAGE_SECRET_KEY, else one made once in the database."""
        return self.settings.secret_key or shared_secret(self.engine, "portal_session")


def build_queue(settings: Settings, engine: Engine) -> JobQueue:
    """The configured durable job queue (procrastinate by default on PostgreSQL)."""
    kind = settings.jobs or ("procrastinate" if engine.dialect.name == "postgresql" else "database")
    if kind in ("database", "inprocess"):
        return DatabaseJobQueue(engine, stall_after=settings.jobs_stall_after)
    if kind == "procrastinate":
        if engine.dialect.name != "postgresql":
            raise ValueError("ENGAGE_JOBS=procrastinate needs a PostgreSQL database")
        from engage.adapters.jobs.procrastinate_queue import ProcrastinateJobQueue

        url = engine.url.render_as_string(hide_password=False)
        return ProcrastinateJobQueue(url, stall_after=settings.jobs_stall_after)
    raise ValueError(f"unknown job queue {kind!r}; use 'database' or 'procrastinate'")


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
    engage = Engage(
        settings=settings,
        engine=engine,
        uow=lambda: cast(UnitOfWork, SqlUnitOfWork(factory)),
        clock=clock or SystemClock(),
        jobs=jobs or build_queue(settings, engine),
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
        return send_invite(mailer, session, stamp=stamp, update=update)

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
