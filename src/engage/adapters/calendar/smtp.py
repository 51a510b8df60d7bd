"""SMTP mailer (implements engage.services.ports.Mailer) that sends calendar invites properly.

A ``text/calendar`` attachment is sent twice, as mail clients expect of an iTIP invite: once as
the calendar alternative of the text body (``multipart/alternative``, with its ``method``
parameter, which is what makes Outlook and Gmail show Accept/Decline) and once as an
``invite.ics`` file for clients that only import attachments.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage, Message
from email.utils import formatdate, make_msgid

from engage.config import Settings


class MailError(Exception):
    """The SMTP server could not be reached or refused the message."""


def _split_type(content_type: str) -> tuple[str, str, dict[str, str]]:
    header = Message()
    header["Content-Type"] = content_type
    params = {k: v for k, v in (header.get_params() or [])[1:] if isinstance(v, str)}
    params.pop("charset", None)
    return header.get_content_maintype(), header.get_content_subtype(), params


def compose(
    *,
    sender: str,
    to: list[str],
    subject: str,
    text: str,
    attachments: list[tuple[str, str, bytes]],
) -> EmailMessage:
    """Build the MIME message: text body, calendar alternatives, then files."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(text)
    for _name, content_type, data in attachments:
        maintype, subtype, params = _split_type(content_type)
        if (maintype, subtype) == ("text", "calendar"):
            message.add_alternative(data.decode("utf-8"), subtype="calendar", params=params)
    for filename, content_type, data in attachments:
        maintype, subtype, _ = _split_type(content_type)
        if (maintype, subtype) == ("text", "calendar"):
            maintype, subtype = "application", "ics"
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message


class SmtpMailer:
    """Sends mail through one SMTP server; STARTTLS and login when configured."""

    def __init__(
        self,
        host: str,
        port: int = 25,
        *,
        sender: str,
        timeout: float = 10.0,
        starttls: bool = False,
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout
        self.starttls, self.username, self.password = starttls, username, password

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpMailer:
        """A mailer for ENGAGE_SMTP_HOST / ENGAGE_SMTP_PORT / ENGAGE_SMTP_FROM."""
        if not settings.smtp_host:
            raise MailError("ENGAGE_SMTP_HOST is not set")
        return cls(settings.smtp_host, settings.smtp_port, sender=settings.smtp_from)

    def send(
        self,
        *,
        to: list[str],
        subject: str,
        text: str,
        attachments: list[tuple[str, str, bytes]] | None = None,
    ) -> None:
        """Send one message to every address in ``to``."""
        if not to:
            raise MailError("no recipients")
        message = compose(
            sender=self.sender, to=to, subject=subject, text=text, attachments=attachments or []
        )
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password or "")
                refused = smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(f"cannot send mail via {self.host}:{self.port}: {exc}") from exc
        if refused:
            raise MailError(f"the server refused: {', '.join(sorted(refused))}")
