"""Invite mail through a real SMTP conversation with a loopback aiosmtpd server."""

from __future__ import annotations

import email
from email.message import EmailMessage
from email.policy import default

import icalendar
import pytest

from engage.adapters.calendar.ics import send_invite
from engage.adapters.calendar.smtp import MailError, SmtpMailer
from engage.config import Settings
from engage.domain import sessions as s
from engage.domain.sessions import Session

from .conftest import STAMP, Inbox, free_port


def parts(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=default)
    assert isinstance(message, EmailMessage)
    return message


def test_invite_mail_is_multipart_with_calendar_alternative(
    smtp_server: tuple[int, Inbox], session: Session
) -> None:
    port, inbox = smtp_server
    mailer = SmtpMailer.from_settings(
        Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_from="support@engage.test")
    )
    sent = send_invite(mailer, session, stamp=STAMP)
    assert len(inbox.messages) == 1
    sender, recipients, raw = inbox.messages[0]
    assert sender == "support@engage.test"
    assert recipients == ["ana@customer.test", "raj@customer.test"] == sent.to
    message = parts(raw)
    assert message.get_content_type() == "multipart/mixed"
    assert " ".join(message["Subject"].split()) == sent.subject  # unfolded
    types = [p.get_content_type() for p in message.walk()]
    assert types == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/calendar",
        "application/ics",
    ]
    calendar_part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    assert calendar_part.get_param("method") == "REQUEST"
    attachment = next(p for p in message.walk() if p.get_content_type() == "application/ics")
    assert attachment.get_filename() == "invite.ics"
    for part in (calendar_part, attachment):
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        event = icalendar.Calendar.from_ical(payload).walk("VEVENT")[0]
        assert event["UID"] == session.uid
    body = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    assert "Share aggregator logs" in body.get_content()


def test_cancellation_mail(smtp_server: tuple[int, Inbox], session: Session) -> None:
    port, inbox = smtp_server
    send_invite(
        SmtpMailer("127.0.0.1", port, sender="support@engage.test"), s.cancel(session), stamp=STAMP
    )
    message = parts(inbox.messages[0][2])
    calendar_part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    assert calendar_part.get_param("method") == "CANCEL"
    assert message["Subject"].startswith("Cancelled:")


def test_unreachable_server_is_a_named_error() -> None:
    mailer = SmtpMailer("127.0.0.1", free_port(), sender="support@engage.test", timeout=2)
    with pytest.raises(MailError, match="cannot send mail"):
        mailer.send(to=["a@b.test"], subject="x", text="y")
    with pytest.raises(MailError, match="SMTP_HOST"):
        SmtpMailer.from_settings(Settings(smtp_host=None))
