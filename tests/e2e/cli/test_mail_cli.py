"""`engage mail ingest` as an MTA runs it: a subprocess reading one message on standard input,
answering with sysexits codes (0 filed, 67 unknown sender, 65 bad message, 75 try later)."""

from __future__ import annotations

import email
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from engage.adapters.db.engine import make_engine
from engage.adapters.db.migrate import upgrade
from engage.adapters.jobs.inprocess import InProcessJobQueue
from engage.bootstrap import Engage, build
from engage.config import Settings
from engage.domain.cases import Severity
from engage.domain.users import Role, User
from engage.services import cases, orgs

FIXTURES = Path(__file__).parents[2] / "fixtures" / "mail"
SUPPORT = "support@engage.test"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[dict[str, str], Engage, Inbox, User, User]]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    env = {
        "ENGAGE_DATABASE_URL": f"sqlite:///{tmp_path / 'engage.db'}",
        "ENGAGE_DATA_DIR": str(tmp_path / "data"),
        "ENGAGE_SMTP_HOST": "127.0.0.1",
        "ENGAGE_SMTP_PORT": str(port),
        "ENGAGE_SMTP_FROM": SUPPORT,
        "ENGAGE_MAIL_SECRET": "e2e-secret",
    }
    engine = make_engine(env["ENGAGE_DATABASE_URL"])
    upgrade(engine)
    settings = Settings(
        database_url=env["ENGAGE_DATABASE_URL"],
        data_dir=tmp_path / "data",
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_from=SUPPORT,
        mail_secret="e2e-secret",
    )
    app = build(settings, engine=engine, jobs=InProcessJobQueue(eager=True))
    with app.uow() as uow:
        org = orgs.create_org(uow, app.clock, actor=None, slug="acme", name="Acme")
        customer = orgs.create_user(
            uow,
            app.clock,
            actor=None,
            email="zoe@acme.example",
            name="Zoë",
            role=Role.CUSTOMER_MEMBER,
            org_id=org.id,
        )
        engineer = orgs.create_user(
            uow,
            app.clock,
            actor=None,
            email="sam@support.example",
            name="Sam",
            role=Role.SUPPORT_ENGINEER,
            org_id=None,
        )
        uow.commit()
    yield env, app, inbox, customer, engineer
    app.close()
    controller.stop()


def ingest(env: dict[str, str], message: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "engage", "mail", "ingest"],
        input=message,
        capture_output=True,
        env={**os.environ, **env},
        timeout=120,
    )


def fill(name: str, **values: str) -> bytes:
    text = (FIXTURES / name).read_bytes()
    for key, value in values.items():
        text = text.replace(f"@@{key.upper()}@@".encode(), value.encode())
    return text


def test_reply_by_mail_round_trip(setup: Any) -> None:
    env, app, inbox, customer, engineer = setup
    with app.uow() as uow:
        case, _ = cases.open_case(
            uow,
            app.clock,
            actor=customer,
            title="Aggregator OOMKilled",
            description="Every night at 02:00.",
            severity=Severity.P2,
        )
    with app.uow() as uow:
        cases.comment_on_case(
            uow, app.clock, actor=engineer, case_id=case.id, body="Please raise the limit."
        )
    [raw] = [m for m in inbox.messages if b"zoe@acme.example" in m]
    mail = email.message_from_bytes(raw, policy=default)
    assert isinstance(mail, EmailMessage)
    values = {
        "from": "zoe@acme.example",
        "to": str(mail["Reply-To"]),
        "case": str(case.id),
        "title": case.title,
        "msgid": str(mail["Message-ID"]).split(".")[1].split("@")[0],
    }
    done = ingest(env, fill("gmail_reply.eml", **values))
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().startswith(f"commented case #{case.id}")
    with app.uow() as uow:
        last = uow.cases.comments(case.id, internal=False)[-1]
        assert last.author_id == customer.id and last.body.startswith("Thanks — after raising")
    # duplicates, auto-replies and loops (exit 0, nothing filed) are covered in-process by
    # tests/integration/mail; each CLI start costs seconds on a shared machine


def test_exit_codes_for_strangers_bad_input_and_outages(setup: Any) -> None:
    env = setup[0]
    stranger = fill("gmail_forward.eml", **{"from": "who@elsewhere.example", "to": SUPPORT})
    stranger = stranger.replace(b"Message-ID: <", b"Message-ID: <stranger.")
    refused = ingest(env, stranger)
    assert refused.returncode == 67
    assert b"refused (unknown sender)" in refused.stderr
    empty = ingest(env, b"")
    assert empty.returncode == 65 and b"empty" in empty.stderr
    down = {**env, "ENGAGE_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/none"}
    later = ingest(down, fill("gmail_forward.eml", **{"from": "zoe@acme.example", "to": SUPPORT}))
    assert later.returncode == 75, later.stderr
    opened = ingest(env, fill("gmail_forward.eml", **{"from": "zoe@acme.example", "to": SUPPORT}))
    assert opened.returncode == 0 and opened.stdout.startswith(b"opened case #")
