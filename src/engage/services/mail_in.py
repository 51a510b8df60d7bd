"""Mail in: a reply becomes a comment on its case, a mail to the support address opens a case.

The case comes only from the signed token in the address the mail was sent to (the Reply-To
of our mails), never from headers a sender could forge to reach another organisation's case;
the sender must be a user of the case's organisation or support. Auto-replies, bounces, our
own mails and duplicates are ignored.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from enum import StrEnum

from mailparser_reply import EmailReplyParser

from engage.domain.cases import Case, CaseStatus, Severity
from engage.domain.errors import EngageError
from engage.domain.notifications import Kind, case_from_address
from engage.domain.users import User
from engage.services import notify
from engage.services.cases import comment_on_case, open_case
from engage.services.mail_out import MailConfig
from engage.services.mail_text import attachments, body_text
from engage.services.ports import Clock, UnitOfWork

#: Stores one attachment of an accepted mail through the upload intake and says what became
#: of it: (uow, user, case, filename, data, idempotency key) -> note for the comment.
AttachFn = Callable[[UnitOfWork, User, Case, str, bytes, str], str]
TITLE_MAX = 200
log = logging.getLogger("engage.mail")
_LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "pl", "sv", "ja", "zh", "david"]


class Outcome(StrEnum):
    """What happened to one message; the CLI maps these to MTA exit codes."""

    COMMENTED = "commented"
    OPENED = "opened"
    DUPLICATE = "duplicate"
    AUTO_REPLY = "auto_reply"
    LOOP = "loop"
    UNKNOWN_SENDER = "unknown_sender"
    NOT_ALLOWED = "not_allowed"  # known sender, but not of the case's organisation
    NO_CASE = "no_case"  # sent to an address that names no case we can verify
    CASE_CLOSED = "case_closed"


REFUSED = frozenset(
    {Outcome.UNKNOWN_SENDER, Outcome.NOT_ALLOWED, Outcome.NO_CASE, Outcome.CASE_CLOSED}
)


class BadMessage(EngageError):
    """The input is not a usable RFC 5322 message (no sender, no text)."""


@dataclass
class Ingested:
    """The outcome of one message, the case it touched and notes for the log."""

    outcome: Outcome
    case_id: int | None = None
    notes: list[str] = field(default_factory=list)


def parse(raw: bytes) -> EmailMessage:
    """Parse one message; BadMessage when it has no From or no headers at all."""
    if not raw.strip():
        raise BadMessage("the message is empty")
    msg = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    if not msg.keys() or not parseaddr(str(msg.get("From", "")))[1]:
        raise BadMessage("the message has no From address")
    return msg


def is_automatic(msg: EmailMessage) -> bool:
    """Auto-replies, bounces and list traffic (RFC 3834 and the headers vendors use instead)."""
    auto = str(msg.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(msg.get("Precedence", "")).strip().lower()
    sender = parseaddr(str(msg.get("From", "")))[1].lower()
    return (
        not auto.startswith("no")
        or precedence in ("bulk", "junk", "list", "auto_reply")
        or any(h in msg for h in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"))
        or msg.get_content_type() == "multipart/report"
        or str(msg.get("Return-Path", "")).strip() == "<>"
        or sender.split("@")[0] in ("mailer-daemon", "postmaster")
    )


_OURS = re.compile(r"<engage\.([0-9a-f]{32})@")


def _message_key(msg: EmailMessage, raw: bytes) -> str:
    mid = str(msg.get("Message-ID", "")).strip()
    return mid[:998] if mid else "<sha256." + hashlib.sha256(raw).hexdigest() + "@no-id>"


def _recipients(msg: EmailMessage) -> list[str]:
    headers = ("Delivered-To", "X-Original-To", "Envelope-To", "To", "Cc")
    values = [str(v) for h in headers for v in (msg.get_all(h) or [])]
    return [addr for _, addr in getaddresses(values) if addr]


def _title(msg: EmailMessage) -> str:
    subject = " ".join(str(msg.get("Subject", "")).split())
    subject = re.sub(r"^((re|fw|fwd|aw|wg|sv|tr)\s*:\s*)+", "", subject, flags=re.IGNORECASE)
    return (subject or "Case opened by mail")[:TITLE_MAX]


def reply_text(text: str) -> str:
    """The new part of a reply: quoted history and signatures removed."""
    try:
        parsed = EmailReplyParser(languages=_LANGUAGES).read(text=text)
        reply = parsed.replies[0].body.strip() if parsed.replies else ""
    except Exception:  # the parser is heuristic; keep the whole text rather than fail
        reply = ""
    return reply or text.strip()


def ingest(
    uow: UnitOfWork,
    clock: Clock,
    cfg: MailConfig,
    raw: bytes,
    *,
    attach: AttachFn | None = None,
    severity: Severity = Severity.P3,
) -> Ingested:
    """Ingest one message (commits); see Outcome for what can happen."""
    msg = parse(raw)
    key = _message_key(msg, raw)
    sender = parseaddr(str(msg.get("From", "")))[1].lower()
    own = _OURS.findall(str(msg.get("Message-ID", "")))
    if sender == cfg.sender.lower() or (own and uow.notify.is_our_message(own)):
        return _done(uow, clock, key, sender, Ingested(Outcome.LOOP))
    if is_automatic(msg):
        return _done(uow, clock, key, sender, Ingested(Outcome.AUTO_REPLY))
    if uow.notify.seen_inbound(key):
        return Ingested(Outcome.DUPLICATE)
    user = uow.users.by_email(sender)
    if user is None or not user.active:
        return _done(uow, clock, key, sender, Ingested(Outcome.UNKNOWN_SENDER))
    addresses = _recipients(msg)
    case_ids = {c for a in addresses if (c := case_from_address(a, cfg.secret)) is not None}
    if case_ids:
        return _reply(uow, clock, msg, key, user, min(case_ids), attach)
    support = cfg.sender.lower()
    if not any(a.lower() == support for a in addresses):
        return _done(uow, clock, key, sender, Ingested(Outcome.NO_CASE))
    return _open(uow, clock, msg, key, user, attach, severity)


def _done(uow: UnitOfWork, clock: Clock, key: str, sender: str, result: Ingested) -> Ingested:
    level = logging.WARNING if result.outcome in REFUSED else logging.INFO
    log.log(level, "mail %s from %s: %s (case %s)", key, sender, result.outcome, result.case_id)
    if not uow.notify.record_inbound(
        message_id=key,
        sender=sender[:320],
        outcome=result.outcome.value,
        case_id=result.case_id,
        received_at=clock.now(),
    ):
        return Ingested(Outcome.DUPLICATE, result.case_id)
    uow.commit()
    return result


def _attach_all(
    uow: UnitOfWork, msg: EmailMessage, key: str, user: User, case: Case, attach: AttachFn | None
) -> list[str]:
    if attach is None:
        return []
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return [
        attach(uow, user, case, name, data, f"mail:{digest}:{n}")
        for n, (name, data) in enumerate(attachments(msg))
    ]


def _reply(
    uow: UnitOfWork,
    clock: Clock,
    msg: EmailMessage,
    key: str,
    user: User,
    case_id: int,
    attach: AttachFn | None,
) -> Ingested:
    case = uow.cases.get(case_id)
    if case is None or not user.can_see_org(case.org_id):
        return _done(uow, clock, key, user.email, Ingested(Outcome.NOT_ALLOWED))
    if CaseStatus(case.status) is CaseStatus.CLOSED:
        return _done(uow, clock, key, user.email, Ingested(Outcome.CASE_CLOSED, case_id))
    text = reply_text(body_text(msg))
    if uow.notify.seen_inbound(key):
        return Ingested(Outcome.DUPLICATE, case_id)
    notes = _attach_all(uow, msg, key, user, case, attach)  # each upload commits on its own
    # recorded in the same commit as the comment: a crash before it lets the MTA retry, and
    # the uploads' idempotency keys keep a retry from storing them twice
    if not uow.notify.record_inbound(
        message_id=key,
        sender=user.email,
        outcome=Outcome.COMMENTED.value,
        case_id=case_id,
        received_at=clock.now(),
    ):
        return Ingested(Outcome.DUPLICATE, case_id)
    body = "\n\n".join([text, *[f"Attachment: {n}" for n in notes]]).strip()
    comment_on_case(uow, clock, actor=user, case_id=case_id, body=body or "(no text)")
    return Ingested(Outcome.COMMENTED, case_id, notes)


def _open(
    uow: UnitOfWork,
    clock: Clock,
    msg: EmailMessage,
    key: str,
    user: User,
    attach: AttachFn | None,
    severity: Severity,
) -> Ingested:
    if user.is_support:  # support opens cases for an organisation in the portal
        return _done(uow, clock, key, user.email, Ingested(Outcome.NO_CASE))
    text = body_text(msg).strip() or "(no text)"
    # the key makes a redelivery after a crash (before the message was recorded) find the
    # case it opened instead of opening a second one
    key_hash = hashlib.sha256(key.encode()).hexdigest()[:40]
    case, scope = open_case(
        uow,
        clock,
        actor=user,
        title=_title(msg),
        description=text,
        severity=severity,
        idempotency_key=f"mail:{key_hash}",
    )
    assert case.id is not None
    result = _done(uow, clock, key, user.email, Ingested(Outcome.OPENED, case.id))
    result.notes = _attach_all(uow, msg, key, user, case, attach)
    lines = [f"Your case number is #{case.id}. Reply to this mail to add to it."]
    if scope.verdict == "multi":
        parts = "; ".join(p.summary for p in scope.parts)
        lines.append(
            f"Your mail seems to describe {len(scope.parts)} separate issues ({parts}). "
            "One case per issue gets each one answered faster: you can split it from the "
            "case page, or reply and support will."
        )
    lines += result.notes
    notify.emit(uow, clock, case, Kind.CASE_OPENED_BY_MAIL, to=[user.id or 0], lines=lines)
    uow.commit()
    return result
