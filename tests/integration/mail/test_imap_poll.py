"""Polling an IMAP mailbox: unseen messages are ingested and removed once filed or refused."""

from __future__ import annotations

import pytest

from engage.adapters.mail.imap import ImapError
from engage.bootstrap_mail import poll_imap
from tests.integration.conftest import World
from tests.support.imap_server import ImapServer, Mailbox

from .conftest import SUPPORT, fill


def test_poll_files_new_mail_and_clears_the_mailbox(world: World) -> None:
    box = Mailbox()
    me = world["admin_a"].user.email
    box.add(fill("gmail_forward.eml", **{"from": me, "to": SUPPORT}))
    box.add(fill("gmail_forward.eml", **{"from": "stranger@elsewhere.example", "to": SUPPORT}))
    box.add(fill("bounce.eml", to=SUPPORT))
    with ImapServer(box) as server:
        engage = world.engage
        engage.settings.imap_host = "127.0.0.1"
        engage.settings.imap_port = server.port
        engage.settings.imap_security = "none"
        engage.settings.imap_username, engage.settings.imap_password = "engage", "secret"
        poll_imap(engage)
        assert box.messages == []  # filed, refused and ignored alike: none left to retry
        cases = world["admin_a"].client.get("/api/v1/cases?limit=200").json()["items"]
        assert any(c["title"].startswith("Kubecost alert: cluster") for c in cases)
        engage.settings.imap_password = "wrong"
        box.add(fill("gmail_forward.eml", **{"from": me, "to": SUPPORT}))
        with pytest.raises(ImapError, match=r"AUTHENTICATIONFAILED|invalid"):
            poll_imap(engage)
        assert len(box.messages) == 1
