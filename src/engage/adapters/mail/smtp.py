"""SMTP transport (implements engage.services.ports.MailTransport).

``security`` is ``none`` (plain, e.g. a local relay on port 25), ``starttls`` (upgrade after
EHLO, usually port 587) or ``tls`` (implicit TLS from the first byte, usually port 465).
Certificates are verified against the system store unless a context is given (tests).
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from engage.config import Settings
from engage.domain.notifications import MailSendError

SECURITY = ("none", "starttls", "tls")


class SmtpTransport:
    """Sends composed messages through one SMTP server."""

    def __init__(
        self,
        host: str,
        port: int = 25,
        *,
        security: str = "none",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
        context: ssl.SSLContext | None = None,
    ) -> None:
        """Check the security mode; nothing connects until a message is sent."""
        if security not in SECURITY:
            raise ValueError(
                f"SMTP security must be one of {', '.join(SECURITY)}, not {security!r}"
            )
        self.host, self.port, self.security = host, port, security
        self.username, self.password, self.timeout = username, password, timeout
        self.context = context

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpTransport:
        """The transport ENGAGE_SMTP_* describe."""
        if not settings.smtp_host:
            raise MailSendError("ENGAGE_SMTP_HOST is not set")
        return cls(
            settings.smtp_host,
            settings.smtp_port,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=settings.smtp_password,
            timeout=settings.smtp_timeout,
        )

    def _connect(self) -> smtplib.SMTP:
        context = self.context or ssl.create_default_context()
        if self.security == "tls":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            smtp.starttls(context=context)
        return smtp

    def send_message(self, message: EmailMessage) -> None:
        """Send `message` to its To/Cc recipients; MailSendError when it did not go out."""
        try:
            with self._connect() as smtp:
                if self.username:
                    smtp.login(self.username, self.password or "")
                refused = smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise MailSendError(f"cannot send mail via {self.host}:{self.port}: {exc}") from exc
        if refused:
            raise MailSendError(f"the server refused: {', '.join(sorted(refused))}")
