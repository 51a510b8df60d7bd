"""SMTP mailer (implements engage.services.ports.Mailer) that sends calendar invites properly.

A ``text/calendar`` attachment is sent twice, as mail clients expect of an iTIP invite: once as
the calendar alternative of the text body (``multipart/alternative``, with its ``method``
parameter, which is what makes Outlook and Gmail show Accept/Decline) and once as an
``invite.ics`` file for clients that only import attachments.
"""

from __future__ import annotations

from email.message import EmailMessage, Message
from email.utils import formatdate, make_msgid

from engage.adapters.mail.smtp import SmtpTransport
from engage.config import Settings
from engage.domain.notifications import MailSendError


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
    """Sends mail through one SMTP server (engage.adapters.mail.smtp: STARTTLS, implicit TLS
    and login when configured); ``headers`` adds e.g. a case's thread headers."""

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
        security: str | None = None,
    ) -> None:
        self.sender = sender
        self.transport = SmtpTransport(
            host,
            port,
            security=security or ("starttls" if starttls else "none"),
            username=username,
            password=password,
            timeout=timeout,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpMailer:
        """A mailer for ENGAGE_SMTP_HOST / _PORT / _FROM / _SECURITY / _USERNAME / _PASSWORD."""
        if not settings.smtp_host:
            raise MailError("ENGAGE_SMTP_HOST is not set")
        return cls(
            settings.smtp_host,
            settings.smtp_port,
            sender=settings.smtp_from,
            timeout=settings.smtp_timeout,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=settings.smtp_password,
        )

    def send(
        self,
        *,
        to: list[str],
        subject: str,
        text: str,
        attachments: list[tuple[str, str, bytes]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Send one message to every address in ``to``."""
        if not to:
            raise MailError("no recipients")
        message = compose(
            sender=self.sender, to=to, subject=subject, text=text, attachments=attachments or []
        )
        for name, value in (headers or {}).items():
            del message[name]
            message[name] = value
        try:
            self.transport.send_message(message)
        except MailSendError as exc:
            raise MailError(str(exc)) from exc
