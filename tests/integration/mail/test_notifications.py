"""Notifications in the API, per-kind settings (at once, digest, off), retries and SLA alerts."""

from __future__ import annotations

from datetime import timedelta

from engage.domain.clock import FixedClock
from engage.services import sla_alerts
from engage.services.mail_jobs import DIGEST_JOB, SWEEP_JOB
from tests.integration.conftest import World

from .conftest import Inbox
from .test_mail_flow import open_case, support_reply


def clock_of(world: World) -> FixedClock:
    clock = world.engage.clock
    assert isinstance(clock, FixedClock)
    return clock


def test_notifications_unread_first_and_mark_read(world: World) -> None:
    c1, c2 = open_case(world), open_case(world)
    support_reply(world, c1["id"])
    clock_of(world).advance(minutes=5)
    support_reply(world, c2["id"])
    client = world["member_a"].client
    body = client.get("/api/v1/notifications").json()
    assert body["unread"] == 2
    assert [n["case_id"] for n in body["items"]] == [c2["id"], c1["id"]]  # newest first
    assert body["items"][0]["message"] == f"Case #{c2['id']}: Support replied"
    r = client.post("/api/v1/notifications/read", json={"ids": [body["items"][0]["id"]]})
    assert r.json() == {"marked": 1, "unread": 1}
    items = client.get("/api/v1/notifications").json()["items"]
    assert [n["read_at"] is None for n in items] == [True, False]  # unread first
    assert client.post("/api/v1/notifications/read", json={}).json()["unread"] == 0
    # another person's notification ids are not theirs to mark
    other = world["admin_b"].client.post("/api/v1/notifications/read", json={"ids": [1, 2]})
    assert other.json()["marked"] == 0


def test_settings_choose_digest_or_off(world: World, inbox: tuple[int, Inbox]) -> None:
    _, box = inbox
    client = world["member_a"].client
    prefs = client.get("/api/v1/notifications/preferences").json()["preferences"]
    kinds = {p["kind"]: p for p in prefs}
    assert kinds["support_reply"]["mode"] == "now" and "new_case" not in kinds  # support's
    bad = client.put("/api/v1/notifications/preferences", json={"modes": {"new_case": "off"}})
    assert bad.status_code == 422
    r = client.put(
        "/api/v1/notifications/preferences",
        json={"modes": {"support_reply": "digest", "status_changed": "off"}},
    )
    assert {p["kind"]: p["mode"] for p in r.json()["preferences"]}["support_reply"] == "digest"
    case = open_case(world)
    support_reply(world, case["id"], "first answer")
    support_reply(world, case["id"], "second answer")
    world["engineer"].client.post(f"/api/v1/cases/{case['id']}/transition", json={"to": "triage"})
    me = world["member_a"].user.email
    assert box.to(me) == []  # nothing at once
    clock_of(world).advance(hours=24)
    world.engage.jobs.enqueue(DIGEST_JOB)
    [digest] = box.to(me)
    text = digest.get_body(("plain",))
    assert text is not None
    assert "2 updates" in str(digest["Subject"])
    assert text.get_content().count("Support replied") == 2
    assert "status" not in text.get_content().lower().split("settings")[0]
    world.engage.jobs.enqueue(DIGEST_JOB)  # sent once only
    assert len(box.to(me)) == 1
    # off stops the mail, not the portal notice
    client.put("/api/v1/notifications/preferences", json={"modes": {"support_reply": "off"}})
    support_reply(world, case["id"], "third answer")
    clock_of(world).advance(hours=24)
    world.engage.jobs.enqueue(DIGEST_JOB)
    assert len(box.to(me)) == 1
    unread = client.get("/api/v1/notifications").json()["items"]
    assert [n["kind"] for n in unread].count("support_reply") == 3


def test_smtp_failure_is_retried_and_on_the_timeline(
    world: World, inbox: tuple[int, Inbox]
) -> None:
    _, box = inbox
    case = open_case(world)
    box.refuse = 1
    support_reply(world, case["id"])
    me = world["member_a"].user.email
    assert box.to(me) == []
    timeline = world["engineer"].client.get(f"/api/v1/cases/{case['id']}").json()["timeline"]
    failed = [e for e in timeline if e["kind"] == "mail_failed"]
    assert failed and failed[0]["data"]["to"] == me and "451" in failed[0]["data"]["error"]
    customer_view = world["member_a"].client.get(f"/api/v1/cases/{case['id']}").json()
    assert all(e["kind"] != "mail_failed" for e in customer_view["timeline"])
    world.engage.jobs.enqueue(SWEEP_JOB)
    assert box.to(me) == []  # backoff not over yet
    clock_of(world).advance(seconds=31)
    world.engage.jobs.enqueue(SWEEP_JOB)
    [mail] = box.to(me)
    world.engage.jobs.enqueue(SWEEP_JOB)  # sent mail is never sent again
    assert len(box.to(me)) == 1 and mail["Message-ID"] == box.to(me)[0]["Message-ID"]


def test_sla_alerts_reach_assignee_and_managers_once(
    world: World, inbox: tuple[int, Inbox]
) -> None:
    _, box = inbox
    case = open_case(world)
    world["manager"].client.post(
        f"/api/v1/cases/{case['id']}/assign", json={"assignee_id": world["engineer"].user.id}
    )
    detail = world["engineer"].client.get(f"/api/v1/cases/{case['id']}").json()
    due = detail["sla_due_at"]
    assert due is not None
    clock = clock_of(world)
    from datetime import datetime

    clock.at = datetime.fromisoformat(due) + timedelta(minutes=1)
    with world.engage.uow() as uow:
        assert sla_alerts.scan(uow, clock) >= 1
    with world.engage.uow() as uow:
        sla_alerts.scan(uow, clock)  # again: nothing new for this case
    for who in ("engineer", "manager"):
        subjects = [
            m.get_body(("plain",)).get_content()  # type: ignore[union-attr]
            for m in box.to(world[who].user.email)
            if f"[Case #{case['id']}]" in str(m["Subject"])
        ]
        assert sum("SLA breached" in s for s in subjects) == 1, (who, subjects)
