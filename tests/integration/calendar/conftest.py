"""Sessions to invite people to, a local SMTP server and a Radicale CalDAV server."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from engage.domain import sessions as s
from engage.domain.meetings import Meeting, MeetingTool
from engage.domain.sessions import AgendaTask, Participant, Role, Session

STAMP = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
START = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
SUPPORT = Participant("support@engage.test", "Kubecost Support", Role.ASSIGNEE)
ANA = Participant("ana@customer.test", "Ana Pérez", Role.CUSTOMER)
RAJ = Participant("raj@customer.test", "Raj", Role.CUSTOMER, required=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def session() -> Session:
    """A booked session with a Meet link, an agenda and screen sharing not allowed."""
    draft = Session(
        uid="session-42@engage.test",
        case_id="C-42",
        topic="Aggregator OOMKilled",
        organizer=SUPPORT,
        duration=timedelta(minutes=45),
        participants=(ANA, RAJ),
        screen_sharing_allowed=False,
    )
    draft = s.add_task(draft, AgendaTask("t1", "Share aggregator logs", ANA.email))
    draft = s.add_task(draft, AgendaTask("t2", "Check DuckDB file size", SUPPORT.email))
    booked = s.book(s.propose(draft, [START]), START)
    meeting = Meeting(
        MeetingTool.GOOGLE_MEET,
        "https://meet.google.com/abc-mnop-xyz",
        "ev1",
        "+1 555-0100 PIN: 123456#",
        {"phone_uri": "tel:+1-555-0100;pin=123456"},
    )
    return s.attach_meeting(booked, meeting)


@dataclass
class Inbox:
    """Messages the local SMTP server received: (envelope sender, recipients, raw bytes)."""

    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Inbox]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[str]:
    """A Radicale CalDAV server on a free loopback port (any user/password is accepted)."""
    port = free_port()
    log = (tmp_path / "radicale.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "radicale",
            "--config",
            "",
            "--server-hosts",
            f"127.0.0.1:{port}",
            "--auth-type",
            "none",
            "--rights-type",
            "owner_only",
            "--storage-filesystem-folder",
            str(tmp_path / "collections"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(url + "/.web/", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None:
                    raise RuntimeError((tmp_path / "radicale.log").read_text()) from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
