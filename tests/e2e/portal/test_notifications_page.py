"""The bell, the notification list and the settings page over plain HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from engage.services.cases import comment_on_case
from engage.services.notify import get_prefs
from engage.services.ports import CaseQuery

from .test_http import ALICE, SAM, csrf_of, login


@pytest.fixture
def client(live_server: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, follow_redirects=False, timeout=10) as c:
        yield c


def bell(html: str) -> str:
    found = re.search(r'<a class="bell"[^>]*aria-label="Notifications: (\d+) unread"', html)
    assert found, "no bell on the page"
    return found.group(1)


def test_bell_list_mark_read_and_settings(client: httpx.Client, live_server: Any) -> None:
    engage = live_server.engage
    assert login(client, ALICE).status_code == 303
    page = client.get("/cases").text
    before = int(bell(page))
    with engage.uow() as uow:
        sam, alice = uow.users.by_email(SAM), uow.users.by_email(ALICE)
        assert sam is not None and alice is not None
        cases, _ = uow.cases.query(CaseQuery(org_ids=(alice.org_id,), limit=200))
        case_id = next(c.id for c in cases if c.reporter_id == alice.id and c.status != "closed")
        comment_on_case(uow, engage.clock, actor=sam, case_id=case_id, body="A reply from Sam")
    page = client.get("/cases").text
    assert int(bell(page)) == before + 1
    listing = client.get("/notifications")
    assert listing.status_code == 200
    assert f"Case #{case_id}: Support replied" in listing.text
    token = csrf_of(listing.text)
    done = client.post("/notifications/read", data={"csrf_token": token})
    assert done.status_code == 303
    assert bell(client.get("/cases").text) == "0"
    settings = client.get("/notifications/settings")
    assert 'name="support_reply" value="now"' in settings.text
    saved = client.post(
        "/notifications/settings",
        data={"csrf_token": csrf_of(settings.text), "support_reply": "digest"},
    )
    assert saved.status_code == 303
    with engage.uow() as uow:
        alice = uow.users.by_email(ALICE)
        assert alice is not None
        modes = {k.value: m.value for k, m in get_prefs(uow, actor=alice).items()}
    assert modes["support_reply"] == "digest" and modes["status_changed"] == "now"
    forged = client.post("/notifications/settings", data={"support_reply": "off"})
    assert forged.status_code == 403


def test_webhooks_page_for_admins_only(client: httpx.Client, live_server: Any) -> None:
    assert login(client, ALICE).status_code == 303
    page = client.get("/webhooks")
    assert page.status_code == 200 and "Add an endpoint" in page.text
    refused = client.post(
        "/webhooks",
        data={"csrf_token": csrf_of(page.text), "url": "http://127.0.0.1/hook", "events": "*"},
    )
    assert refused.status_code == 422 and "absolute https URL" in refused.text
    with httpx.Client(base_url=live_server.url, follow_redirects=False, timeout=10) as bob:
        assert login(bob, "bob@acme.example").status_code == 303
        assert bob.get("/webhooks").status_code == 403
