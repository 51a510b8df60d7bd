"""Sessions wired to real local services: fake Google Calendar and Zoom, an SMTP server."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from engage.api.routes.sessions import TOOLS_KEY
from engage.bootstrap import build_session_tools as session_tools
from engage.config import Settings
from engage.services.sessions import SessionTools
from tests.integration.conftest import World
from tests.support.meet_server import FakeGoogleCalendar
from tests.support.zoom_server import FakeZoom


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Inbox:
    """Messages the local SMTP server received, parsed."""

    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def calendars(self) -> list[bytes]:
        """The text/calendar part of every message, in order."""
        found = []
        for _, message in self.messages:
            for part in message.walk():
                if part.get_content_type() == "text/calendar":
                    payload = part.get_payload(decode=True)
                    assert isinstance(payload, bytes)
                    found.append(payload)
        return found


@pytest.fixture
def inbox() -> Iterator[tuple[int, Inbox]]:
    box = Inbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, box
    controller.stop()


@pytest.fixture
def google() -> Iterator[FakeGoogleCalendar]:
    with FakeGoogleCalendar() as server:
        yield server


@pytest.fixture
def zoom() -> Iterator[FakeZoom]:
    with FakeZoom() as server:
        yield server


@pytest.fixture
def settings(inbox: tuple[int, Inbox], google: FakeGoogleCalendar, zoom: FakeZoom) -> Settings:
    return Settings(
        smtp_host="127.0.0.1",
        smtp_port=inbox[0],
        smtp_from="support@engage.test",
        google_token=google.token,
        google_api_base=google.base_url,
        zoom_account_id="acct-1",
        zoom_client_id="client-1",
        zoom_client_secret="secret-1",
        zoom_api_base=zoom.base_url,
        zoom_oauth_base=zoom.base_url,
        allow_private_feeds=True,
    )  # the test feed is on loopback


@pytest.fixture
def tools(world: World, settings: Settings) -> SessionTools:
    """The production tool builder pointed at the local servers, installed in the container."""
    built = session_tools(settings)
    world.engage.extras[TOOLS_KEY] = built
    return built
