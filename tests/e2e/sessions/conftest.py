"""Point the live server's session tools at a fake Google Calendar and a local SMTP server."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from tests.support.meet_server import FakeGoogleCalendar

from engage.api.routes.sessions import TOOLS_KEY
from engage.bootstrap import build_session_tools as session_tools
from engage.config import Settings


class Inbox:
    """Counts what the local SMTP server receives."""

    def __init__(self) -> None:
        self.subjects: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=default)
        self.subjects.append(" ".join(str(message["Subject"]).split()))
        return "250 OK"


@pytest.fixture
def wired(live_server: Any) -> Iterator[tuple[FakeGoogleCalendar, Inbox]]:
    """Meet links from a loopback Calendar API and invite mail to a loopback SMTP server."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    extras = live_server.engage.extras
    before = extras.get(TOOLS_KEY)
    with FakeGoogleCalendar() as google:
        extras[TOOLS_KEY] = session_tools(
            Settings(
                smtp_host="127.0.0.1",
                smtp_port=port,
                smtp_from="support@engage.test",
                google_token=google.token,
                google_api_base=google.base_url,
            )
        )
        try:
            yield google, inbox
        finally:
            extras[TOOLS_KEY] = before
            smtp.stop()
