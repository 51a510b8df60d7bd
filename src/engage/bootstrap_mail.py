"""Composition of mail and webhooks (part of the composition root, called by bootstrap):
the SMTP transport, the webhook sender, the reply-token key, mail ingestion with attachments
through the upload intake, IMAP polling, and threaded session invites."""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from engage.adapters.calendar.smtp import SmtpMailer
from engage.adapters.mail.smtp import SmtpTransport
from engage.adapters.webhooks.http import HttpWebhookSender
from engage.config import Settings
from engage.domain.cases import Case, Severity
from engage.domain.errors import EngageError
from engage.domain.sessions import Session
from engage.domain.users import User
from engage.services import intake, mail_in
from engage.services.mail_jobs import MailTools
from engage.services.mail_out import MailConfig, thread_headers
from engage.services.mail_text import guess_kind
from engage.services.ports import Mailer, UnitOfWork
from engage.services.upload_stream import Spooled

if TYPE_CHECKING:
    from engage.bootstrap import Engage

log = logging.getLogger("engage.mail")


def mail_secret(settings: Settings) -> str:
    """The key of reply tokens: ENGAGE_MAIL_SECRET, else the secret key, else a kept file."""
    if settings.mail_secret or settings.secret_key:
        return settings.mail_secret or settings.secret_key
    path = Path(settings.data_dir) / "mail_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first; use theirs
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w") as out:
        out.write(key)
    return key


def mail_config(settings: Settings) -> MailConfig:
    """Addresses and keys for mail, from settings."""
    return MailConfig(
        sender=settings.smtp_from, secret=mail_secret(settings), base_url=settings.base_url
    )


class _ThreadedMailer:
    """A Mailer that puts what it sends into one case's mail thread (session invites)."""

    def __init__(self, mailer: SmtpMailer, headers: dict[str, str]) -> None:
        """Wrap `mailer`; `headers` are added to every message."""
        self.mailer, self.headers = mailer, headers

    def send(
        self,
        *,
        to: list[str],
        subject: str,
        text: str,
        attachments: list[tuple[str, str, bytes]] | None = None,
    ) -> None:
        """Send with the case's thread headers."""
        self.mailer.send(
            to=to, subject=subject, text=text, attachments=attachments, headers=self.headers
        )


def threaded(mailer: SmtpMailer, settings: Settings, session: Session) -> Mailer:
    """The mailer for a session's invite: threaded with its case when the case is known."""
    digits = str(session.case_id).lstrip("#")
    if not digits.isdigit():
        return mailer
    return _ThreadedMailer(mailer, thread_headers(mail_config(settings), int(digits)))


def mail_tools(engage: Engage) -> MailTools:
    """The transports the notification jobs use, as configured."""
    settings = engage.settings
    transport = SmtpTransport.from_settings(settings) if settings.smtp_host else None
    cache: list[MailConfig] = []

    def config() -> MailConfig:
        if not cache:
            cache.append(mail_config(settings))
        return cache[0]

    tools = MailTools(
        transport=transport,
        sender=HttpWebhookSender(public_only=not settings.allow_private_webhooks),
        config=config,
    )
    if settings.imap_host:
        tools.poll = lambda: poll_imap(engage)
    return tools


def attach_fn(engage: Engage) -> mail_in.AttachFn:
    """Store a mailed file through the same intake as uploads (validated, redacted, checked)."""
    scratch = Path(engage.settings.data_dir) / "scratch"

    def attach(uow: UnitOfWork, user: User, case: Case, name: str, data: bytes, key: str) -> str:
        scratch.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix="mail-", dir=scratch)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        upload = Spooled(
            path=Path(tmp), size=len(data), sha256=hashlib.sha256(data).hexdigest(), name=name
        )
        kind = guess_kind(name)
        assert case.id is not None
        try:
            art = intake.accept_upload(
                uow,
                engage.clock,
                engage.store,
                engage.jobs,
                actor=user,
                case_id=case.id,
                kind=kind,
                row_id=None,
                upload=upload,
                quotas=engage.quotas(),
                idempotency_key=key,
            )
        except EngageError as exc:
            uow.rollback()
            return f"{name} was not accepted: {exc}"
        finally:
            upload.discard()
        return f"{name} stored as {kind} artifact #{art.id}"

    return attach


def ingest(engage: Engage, raw: bytes) -> mail_in.Ingested:
    """Ingest one message with this deployment's settings (the CLI and IMAP polling)."""
    settings = engage.settings
    tools = engage.extras.get("mail_tools")
    cfg = tools.config() if isinstance(tools, MailTools) else mail_config(settings)
    severity = Severity(settings.mail_default_severity)
    with engage.uow() as uow:
        return mail_in.ingest(
            uow, engage.clock, cfg, raw, attach=attach_fn(engage), severity=severity
        )


def poll_imap(engage: Engage) -> None:
    """One IMAP poll: ingest unseen messages; transient failures stay for the next poll."""
    from engage.adapters.mail import imap

    def handle(raw: bytes) -> bool:
        try:
            result = ingest(engage, raw)
        except mail_in.BadMessage as exc:
            log.warning("IMAP message refused: %s", exc)
            return True
        except Exception:
            log.exception("IMAP message kept for the next poll")
            return False
        log.info("IMAP message: %s (case %s)", result.outcome, result.case_id)
        return True

    imap.poll(engage.settings, handle)
