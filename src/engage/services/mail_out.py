"""Outgoing mail: compose threaded, answerable mails from the outbox and send them (jobs).

Every mail about a case has its own stable ``Message-ID`` (kept in the outbox, so a job run
twice sends the same message), ``In-Reply-To``/``References`` pointing at the case's thread
root, the case number in a subject that never changes (clients thread by it), and a
``Reply-To`` whose plus-address carries an HMAC token naming the case.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from engage.domain.cases import Case, CaseEvent
from engage.domain.notifications import (
    KINDS,
    MAX_ATTEMPTS,
    Kind,
    MailSendError,
    MailStatus,
    OutgoingMail,
    backoff,
    reply_address,
    thread_id,
)
from engage.services.ports import Clock, MailTransport, UnitOfWork

log = logging.getLogger("engage.mail")
TEMPLATES = Path(__file__).parent / "templates" / "mail"
STALE = timedelta(minutes=10)  # a "sending" mail older than this was left by a dead job
_jinja = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class MailConfig:
    """Addresses and keys for outgoing mail."""

    sender: str  # From, and the support address replies go to (plus-addressed)
    secret: str  # signs reply tokens
    base_url: str

    @property
    def domain(self) -> str:
        """The domain of Message-IDs and thread roots."""
        return self.sender.rpartition("@")[2] or "engage.invalid"

    def message_id(self, token: str) -> str:
        """The Message-ID header of an outbox token."""
        return f"<engage.{token}@{self.domain}>"


def thread_headers(cfg: MailConfig, case_id: int) -> dict[str, str]:
    """The headers that put a mail into the case's thread and make replies land on the case."""
    root = thread_id(case_id, cfg.domain)
    return {
        "In-Reply-To": root,
        "References": root,
        "Reply-To": reply_address(cfg.sender, cfg.secret, case_id),
        "X-Engage-Case": str(case_id),
    }


def subject(case: Case) -> str:
    """One subject per case, so every client threads the case's mails together."""
    return f"[Case #{case.id}] {case.title}"


def _comment_body(uow: UnitOfWork, case_id: int, comment_id: object) -> str:
    for c in uow.cases.comments(case_id, internal=False):
        if c.id == comment_id:
            return c.body
    return ""


def compose(uow: UnitOfWork, cfg: MailConfig, mail: OutgoingMail) -> EmailMessage:
    """The MIME message (plain text and HTML alternatives) for one outbox entry."""
    case = uow.cases.get(mail.case_id) if mail.case_id else None
    kind = Kind(mail.kind)
    data = mail.data
    message = EmailMessage()
    message["From"] = formataddr(("Kubecost support", cfg.sender))
    message["To"] = mail.to_addr
    message["Date"] = format_datetime(mail.created_at)
    message["Message-ID"] = cfg.message_id(mail.message_id)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: auto-responders stay quiet
    message["X-Auto-Response-Suppress"] = "All"  # the same for Exchange and Outlook
    if case is None:
        message["Subject"] = KINDS[kind].headline
        message.set_content(str(data.get("detail", "")) + "\n")
        return message
    assert case.id is not None
    message["Subject"] = subject(case)
    for name, value in thread_headers(cfg, case.id).items():
        message[name] = value
    context: dict[str, Any] = {
        "headline": KINDS[kind].headline,
        "case": case,
        "actor": data.get("actor", "engage"),
        "body": _comment_body(uow, case.id, data["comment_id"]) if "comment_id" in data else "",
        "lines": [str(x) for x in data.get("lines", [])]
        + ([str(data["detail"])] if data.get("detail") else []),
        "link": f"{cfg.base_url.rstrip('/')}/cases/{case.id}",
        "settings_link": f"{cfg.base_url.rstrip('/')}/notifications/settings",
        "answerable": True,
    }
    message.set_content(_jinja.get_template("event.txt.j2").render(context))
    message.add_alternative(_jinja.get_template("event.html.j2").render(context), subtype="html")
    for filename, content_type, text in data.get("attachments", []):
        maintype, _, subtype = str(content_type).partition("/")
        message.add_attachment(
            str(text).encode(), maintype=maintype, subtype=subtype, filename=str(filename)
        )
    return message


def _event(uow: UnitOfWork, clock: Clock, case_id: int | None, event: str, **data: Any) -> None:
    if case_id is None:
        return
    uow.cases.add_event(
        CaseEvent(
            case_id=case_id,
            kind=event,
            actor_id=None,
            data=data,
            internal=True,
            created_at=clock.now(),
        )
    )


def send_mail(
    uow: UnitOfWork, clock: Clock, transport: MailTransport, cfg: MailConfig, *, mail_id: int
) -> str:
    """Send one outbox mail (the ``send_mail`` job); returns sent, retry, failed or skipped.

    Safe to run twice: only a job that claims the pending row sends it.
    """
    now = clock.now()
    if not uow.notify.claim_mail(mail_id, now, now - STALE):
        return "skipped"
    uow.commit()
    mail = uow.notify.get_mail(mail_id)
    assert mail is not None
    try:
        transport.send_message(compose(uow, cfg, mail))
    except MailSendError as exc:
        return _failed(uow, clock, mail, str(exc))
    uow.notify.update_mail(
        mail_id,
        status=MailStatus.SENT.value,
        sent_at=clock.now(),
        attempts=mail.attempts + 1,
        last_error="",
    )
    uow.commit()
    return "sent"


def _failed(uow: UnitOfWork, clock: Clock, mail: OutgoingMail, error: str) -> str:
    attempts = mail.attempts + 1
    now = clock.now()
    log.warning("mail %s to %s failed (attempt %d): %s", mail.id, mail.to_addr, attempts, error)
    if attempts >= MAX_ATTEMPTS:
        uow.notify.update_mail(
            mail.id, status=MailStatus.FAILED.value, attempts=attempts, last_error=error[:2000]
        )
        _event(
            uow,
            clock,
            mail.case_id,
            "mail_failed",
            to=mail.to_addr,
            kind=mail.kind,
            attempts=attempts,
            error=error[:500],
            gave_up=True,
        )
        uow.commit()
        return "failed"
    uow.notify.update_mail(
        mail.id,
        status=MailStatus.PENDING.value,
        attempts=attempts,
        last_error=error[:2000],
        next_attempt_at=now + backoff(attempts),
    )
    if attempts == 1:  # the timeline says once that mail is not getting through, not 8 times
        _event(
            uow,
            clock,
            mail.case_id,
            "mail_failed",
            to=mail.to_addr,
            kind=mail.kind,
            attempts=attempts,
            error=error[:500],
            gave_up=False,
        )
    uow.commit()
    return "retry"


def due_mail_ids(uow: UnitOfWork, clock: Clock) -> list[int]:
    """Outbox mails to (re)send now: retries whose backoff is over and ones a dead job left."""
    now = clock.now()
    return uow.notify.due_mails(now, now - STALE)


def send_digests(uow: UnitOfWork, clock: Clock, transport: MailTransport, cfg: MailConfig) -> int:
    """Send each person one mail with everything waiting for their digest; returns how many."""
    waiting = uow.notify.digest_mails(clock.now())
    by_user: dict[str, list[OutgoingMail]] = {}
    for mail in waiting:
        by_user.setdefault(mail.to_addr, []).append(mail)
    sent = 0
    for to_addr, mails in by_user.items():
        message = _digest_message(uow, cfg, to_addr, mails, clock.now())
        try:
            transport.send_message(message)
        except MailSendError as exc:
            log.warning("digest to %s failed: %s; kept for the next run", to_addr, exc)
            continue
        for mail in mails:
            uow.notify.update_mail(mail.id, status=MailStatus.BUNDLED.value, sent_at=clock.now())
        uow.commit()
        sent += 1
    return sent


def _digest_message(
    uow: UnitOfWork, cfg: MailConfig, to_addr: str, mails: list[OutgoingMail], now: datetime
) -> EmailMessage:
    base = cfg.base_url.rstrip("/")
    entries = []
    for mail in mails:
        case = uow.cases.get(mail.case_id) if mail.case_id else None
        label = KINDS[Kind(mail.kind)].headline
        title = f"Case #{case.id} {case.title}: {label}" if case else label
        detail = mail.data.get("detail")
        entries.append(
            {
                "message": f"{title}" + (f" ({detail})" if detail else ""),
                "when": f"{mail.created_at:%Y-%m-%d %H:%M} UTC",
                "link": f"{base}/cases/{case.id}" if case else f"{base}/notifications",
            }
        )
    context = {"entries": entries, "settings_link": f"{base}/notifications/settings"}
    message = EmailMessage()
    message["From"] = formataddr(("Kubecost support", cfg.sender))
    message["To"] = to_addr
    plural = "" if len(entries) == 1 else "s"
    message["Subject"] = f"Your engage digest: {len(entries)} update{plural}"
    message["Date"] = format_datetime(now)
    message["Message-ID"] = cfg.message_id(f"digest.{mails[0].message_id}")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(_jinja.get_template("digest.txt.j2").render(context))
    message.add_alternative(_jinja.get_template("digest.html.j2").render(context), subtype="html")
    return message
