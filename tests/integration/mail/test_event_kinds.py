"""Every kind of notification from where it happens: diagnostics, uploads, sessions, splits,
new cases and SLA alerts, each checked in the loopback mailbox (and the bell where it shows)."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage

from engage.domain.clock import FixedClock
from engage.domain.notifications import case_from_address
from engage.services import sla_alerts
from tests.integration.conftest import World

from .conftest import Inbox
from .test_mail_flow import CASE, open_case

LOG = (
    b"2026-03-01T02:00:00Z INF cost-model starting\n"
    b"2026-03-01T02:01:13Z ERR ingestion failed: context deadline exceeded\n"
)


def texts(box: Inbox, who: str, case_id: int) -> list[str]:
    """The plain-text bodies of mails to `who` about `case_id`."""
    found = []
    for m in box.to(who):
        if f"[Case #{case_id}]" in str(m["Subject"]):
            body = m.get_body(("plain",))
            assert isinstance(body, EmailMessage)
            found.append(body.get_content())
    return found


def bell(world: World, who: str) -> list[str]:
    items = world[who].client.get("/api/v1/notifications").json()["items"]
    return [str(n["kind"]) for n in items]


def test_new_case_reaches_support_managers(world: World, inbox: tuple[int, Inbox]) -> None:
    _, box = inbox
    case = open_case(world)
    [text] = texts(box, world["manager"].user.email, case["id"])
    assert "New case" in text and CASE["title"] in text
    assert "new_case" in bell(world, "manager")
    assert texts(box, world["member_a"].user.email, case["id"]) == []  # not to its reporter


def test_diagnostics_requested_rejected_arrived_and_analysed(
    world: World, inbox: tuple[int, Inbox]
) -> None:
    _, box = inbox
    case = open_case(world)
    eng = world["engineer"]
    eng.client.post(f"/api/v1/cases/{case['id']}/assign", json={"assignee_id": eng.user.id})
    r = eng.client.post(
        f"/api/v1/cases/{case['id']}/diagnostic-requests", json={"kind": "logs", "label": "cm"}
    )
    assert r.status_code == 201, r.text
    me = world["member_a"].user.email
    assert any("Support asks for diagnostics" in t for t in texts(box, me, case["id"]))
    rows = world["member_a"].client.get(f"/api/v1/cases/{case['id']}/diagnostic-requests")
    row_id = rows.json()["requests"][0]["rows"][0]["id"]
    up = world["member_a"].client.post(
        f"/api/v1/cases/{case['id']}/artifacts",
        data={"kind": "logs", "request": str(row_id)},
        files={"file": ("cost-model.log", LOG, "application/octet-stream")},
    )
    assert up.status_code == 201, up.text
    with world.engage.uow() as uow:  # support hears of uploads in its daily digest by default
        waiting = [(m.kind, m.status) for m in uow.notify.mails_for_case(case["id"])]
    assert ("upload_arrived", "digest") in waiting
    analysed = [t for t in texts(box, me, case["id"]) if "An upload was analysed" in t]
    assert analysed and "cost-model.log" in analysed[0] and "finding(s)" in analysed[0]
    r = eng.client.post(
        f"/api/v1/cases/{case['id']}/diagnostic-rows/{row_id}/reject",
        json={"reason": "these are the wrong pod's logs"},
    )
    assert r.status_code == 200, r.text
    rejected = [t for t in texts(box, me, case["id"]) if "An upload was rejected" in t]
    assert rejected and "wrong pod's logs" in rejected[0]
    assert {"upload_rejected", "upload_analysed"} <= set(bell(world, "member_a"))


def test_split_tells_the_customer_the_new_numbers(world: World, inbox: tuple[int, Inbox]) -> None:
    _, box = inbox
    case = open_case(world)
    parts = [
        {"title": "SAML login loop", "area": "sso-auth"},
        {"title": "AWS costs missing", "area": "cloud-costs"},
    ]
    r = world["engineer"].client.post(f"/api/v1/cases/{case['id']}/split", json={"parts": parts})
    assert r.status_code == 201, r.text
    new_ids = [c["id"] for c in r.json()["created"]]
    [text] = [t for t in texts(box, world["member_a"].user.email, case["id"]) if "split" in t]
    assert all(f"#{i}" in text for i in new_ids)


def test_session_proposal_mail_and_threaded_invite(world: World, inbox: tuple[int, Inbox]) -> None:
    _, box = inbox
    case = open_case(world)
    base = f"/api/v1/cases/{case['id']}/sessions"
    session = world["engineer"].client.post(base, json={"topic": "Aggregator memory"}).json()
    window = {"window_start": "2026-03-03T00:00:00Z", "window_end": "2026-03-06T00:00:00Z"}
    r = world["engineer"].client.post(f"{base}/{session['id']}/propose", json=window)
    assert r.status_code == 200, r.text
    first = r.json()["proposed_starts"][0]
    me = world["member_a"].user.email
    [proposal] = [t for t in texts(box, me, case["id"]) if "Session times proposed" in t]
    assert "Tue 03 Mar 2026 09:00 UTC" in proposal
    r = world["member_a"].client.post(f"{base}/{session['id']}/book", json={"start": first})
    assert r.status_code == 200, r.text
    invites = [m for m in box.to(me) if m.get_content_type() == "multipart/mixed"]
    assert invites, [m["Subject"] for m in box.to(me)]
    invite = invites[-1]
    assert invite["In-Reply-To"] == f"<case-{case['id']}@engage.test>"
    assert case_from_address(str(invite["Reply-To"]), "test-mail-secret") == case["id"]
    assert "session_booked" in bell(world, "member_a")


def test_sla_at_risk_before_breach(world: World, inbox: tuple[int, Inbox]) -> None:
    _, box = inbox
    case = open_case(world)
    eng = world["engineer"]
    eng.client.post(f"/api/v1/cases/{case['id']}/assign", json={"assignee_id": eng.user.id})
    with world.engage.uow() as uow:
        stored = uow.cases.get(case["id"])
        assert stored and stored.sla_at_risk_at and stored.sla_due_at
        at_risk, due = stored.sla_at_risk_at, stored.sla_due_at
    clock = world.engage.clock
    assert isinstance(clock, FixedClock)
    clock.at = at_risk + timedelta(seconds=1)
    assert clock.at < due
    with world.engage.uow() as uow:
        assert sla_alerts.scan(uow, clock) >= 1
    assert any("SLA at risk" in t for t in texts(box, eng.user.email, case["id"]))
    assert all("SLA breached" not in t for t in texts(box, eng.user.email, case["id"]))
