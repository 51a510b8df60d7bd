"""Composition root: Settings -> adapters -> services (API, portal, worker and CLI call build)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from sqlalchemy import Engine

from engage.adapters.calendar.freebusy import busy_from_ics, read_ics
from engage.adapters.calendar.ics import IcsFiles, send_invite
from engage.adapters.calendar.smtp import SmtpMailer
from engage.adapters.db.engine import make_engine
from engage.adapters.db.secrets import shared_secret
from engage.adapters.db.uow import SqlUnitOfWork, uow_factory
from engage.adapters.jobs.database import DatabaseJobQueue
from engage.adapters.jobs.registry import JobRegistry, Periodic
from engage.adapters.meetings import build_meeting_provider
from engage.adapters.objectstore import build_store
from engage.adapters.throttle import build_login_throttle
from engage.bootstrap_mail import threaded
from engage.config import Settings
from engage.domain.clock import SystemClock
from engage.domain.meetings import MeetingTool
from engage.domain.session_records import Block
from engage.domain.sessions import Session
from engage.services.ports import (
    CalendarFiles,
    Clock,
    JobQueue,
    LoginThrottle,
    MeetingProvider,
    ObjectStore,
    UnitOfWork,
)
from engage.services.quotas import Quotas
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
    calendar: CalendarFiles = field(default_factory=IcsFiles)
    extras: dict[str, object] = field(default_factory=dict)
    periodic: list[Periodic] = field(default_factory=list)
    throttle: LoginThrottle | None = None  # sign-in throttle; build() always sets it

    def close(self) -> None:
        """Release connections."""
        close = getattr(self.jobs, "close", None)
        if callable(close):
            close()
        self.engine.dispose()

    def quotas(self) -> Quotas:
        """The per-organisation upload limits from ENGAGE_QUOTA_* settings."""
        s = self.settings
        return Quotas(
            stored_bytes=s.quota_stored_bytes,
            daily_bytes=s.quota_daily_bytes,
            expanded_bytes=s.quota_expanded_bytes,
            concurrent_uploads=s.quota_concurrent_uploads,
            open_uploads=s.quota_open_uploads,
        )

    def secret_key(self) -> str:
        """The portal's signing key: ENGAGE_SECRET_KEY, else one made once in the database."""
        return self.settings.secret_key or shared_secret(self.engine, "portal_session")

    def redaction_key(self, case_id: str) -> bytes:
        """The HMAC key the server redacts a case's uploads with: the same for every upload of
        the case (one value, one token), different between cases, never stored or shown."""
        # derived from the portal's key (made when the app starts), so a job never has to write
        # a new secret into the database while requests hold it
        label = f"engage-redaction-case:{case_id}".encode()
        return hmac.new(self.secret_key().encode(), label, hashlib.sha256).digest()


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
    queue = jobs or build_queue(settings, engine)

    def after_commit(name: str, kwargs: dict[str, object]) -> None:
        queue.enqueue(name, **kwargs)  # jobs a unit of work asked for (mail, webhooks)

    engage = Engage(
        settings=settings,
        engine=engine,
        uow=lambda: cast(UnitOfWork, SqlUnitOfWork(factory, on_commit=after_commit)),
        clock=clock or SystemClock(),
        jobs=queue,
        store=store or build_store(settings),
        throttle=build_login_throttle(settings.redis_url, engine),
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
        configured_tools=configured_meeting_tools(settings),
    )


def configured_meeting_tools(settings: Settings) -> frozenset[MeetingTool]:
    """Meeting tools this server can make links for: Google and Zoom need credentials."""
    tools = {MeetingTool.CUSTOM}
    if settings.google_token:
        tools.add(MeetingTool.GOOGLE_MEET)
    if settings.zoom_account_id and settings.zoom_client_id and settings.zoom_client_secret:
        tools.add(MeetingTool.ZOOM)
    return frozenset(tools)


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
    from engage.services import availability

    def refresh_busy_feeds() -> None:
        current = engage.extras.get("session_tools")  # tests may swap the tools in
        feed = current.busy_feed if isinstance(current, SessionTools) else None
        with engage.uow() as uow:
            availability.refresh_feeds(uow, engage.clock, None, feed)

    engage.jobs.register(availability.FEED_JOB, refresh_busy_feeds)
    engage.periodic.append(Periodic(availability.FEED_JOB, every=availability.FEED_EVERY))


def register_intake_jobs(engage: Engage) -> None:
    """Diagnostics intake: prepare and analyse uploads, remind about overdue requests,
    apply retention and clean up abandoned uploads (each job safe to run twice)."""
    from datetime import timedelta

    from engage.services import diagnostic_reminders, intake, preparation, retention

    settings = engage.settings
    scratch = settings.data_dir / "scratch"

    def prepare_artifact(artifact_id: int) -> None:
        with engage.uow() as uow:
            preparation.prepare_received(
                uow,
                engage.clock,
                engage.store,
                engage.jobs,
                artifact_id=artifact_id,
                scratch=scratch,
                max_expanded=settings.quota_expanded_bytes,
                case_key=engage.redaction_key,
            )

    def analyze_artifact(artifact_id: int) -> None:
        with engage.uow() as uow:
            preparation.analyze_stored(
                uow, engage.clock, engage.store, artifact_id=artifact_id, scratch=scratch
            )

    def artifact_failed(kwargs: dict[str, object], error: str) -> None:
        artifact_id = kwargs.get("artifact_id")
        if isinstance(artifact_id, int):
            with engage.uow() as uow:
                preparation.give_up(uow, engage.store, artifact_id, error)

    def diagnostic_reminders_job() -> None:
        with engage.uow() as uow:
            diagnostic_reminders.send_reminders(uow, engage.clock)

    def artifact_retention() -> None:
        with engage.uow() as uow:
            retention.apply_retention(uow, engage.clock, engage.store)

    def intake_cleanup() -> None:
        older = timedelta(hours=settings.cleanup_after_hours)
        with engage.uow() as uow:
            retention.cleanup(
                uow, engage.clock, engage.store, engage.jobs, scratch=scratch, older_than=older
            )
        purge = getattr(engage.jobs, "purge", None)
        if callable(purge):
            purge(engage.clock.now() - timedelta(days=7))

    jobs = engage.jobs
    jobs.register(intake.PREPARE_JOB, prepare_artifact)
    jobs.register(preparation.ANALYZE_JOB, analyze_artifact)
    jobs.register(diagnostic_reminders.REMINDER_JOB, diagnostic_reminders_job)
    jobs.register(retention.RETENTION_JOB, artifact_retention)
    jobs.register(retention.CLEANUP_JOB, intake_cleanup)
    if isinstance(jobs, JobRegistry):
        jobs.on_failure(intake.PREPARE_JOB, artifact_failed)
        jobs.on_failure(preparation.ANALYZE_JOB, artifact_failed)
    engage.periodic.append(
        Periodic(diagnostic_reminders.REMINDER_JOB, every=diagnostic_reminders.REMINDER_EVERY)
    )
    engage.periodic.append(Periodic(retention.RETENTION_JOB, every=6 * 3600))
    engage.periodic.append(Periodic(retention.CLEANUP_JOB, every=settings.cleanup_every))
