"""Mail fixtures: a loopback aiosmtpd server that receives every mail, an engage container
that sends through it with an eager job queue, and the real-client message files."""

from __future__ import annotations

import email
import re
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine

from engage.adapters.jobs.inprocess import InProcessJobQueue
from engage.bootstrap import Engage, build
from engage.config import Settings
from engage.domain.clock import FixedClock

MAIL_FIXTURES = Path(__file__).parents[2] / "fixtures" / "mail"
SUPPORT = "support@engage.test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Inbox:
    """Messages the local SMTP server received."""

    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    refuse: int = 0  # answer this many DATA commands with a temporary failure first

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 try again later"
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        """Parsed messages whose envelope went to `address`."""
        found = []
        for _, rcpts, raw in self.messages:
            if address in rcpts:
                msg = email.message_from_bytes(raw, policy=default)
                assert isinstance(msg, EmailMessage)
                found.append(msg)
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
def engage(migrated_engine: Engine, tmp_path: Path, inbox: tuple[int, Inbox]) -> Engage:
    """A container that mails through the loopback server; jobs run inline (eager)."""
    port, _ = inbox
    settings = Settings(
        database_url=str(migrated_engine.url),
        data_dir=tmp_path / "data",
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_from=SUPPORT,
        mail_secret="test-mail-secret",
        allow_private_webhooks=True,
    )
    clock = FixedClock(datetime(2026, 3, 2, 14, 0, tzinfo=UTC))
    return build(settings, engine=migrated_engine, clock=clock, jobs=InProcessJobQueue(eager=True))


def fill(name: str, **values: str) -> bytes:
    """A fixture message with its @@PLACEHOLDERS@@ filled and a Message-ID of its own (the
    database is shared by the tests of a run, and a Message-ID seen before is a duplicate)."""
    text = (MAIL_FIXTURES / name).read_bytes()
    for key, value in values.items():
        text = text.replace(f"@@{key.upper()}@@".encode(), value.encode())
    unique = uuid.uuid4().hex[:12].encode()
    return re.sub(rb"(?im)^(Message-I[Dd]: <)", lambda m: m.group(1) + unique + b".", text, count=1)
