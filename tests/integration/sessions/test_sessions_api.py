"""Sessions through the API on a real database: propose, pick, link, invite, agenda, disengage."""

from __future__ import annotations

from typing import Any

import icalendar
import pytest

from engage.services.sessions import SessionTools
from tests.integration.conftest import World
from tests.support.meet_server import FakeGoogleCalendar
from tests.support.zoom_server import FakeZoom

from .conftest import Inbox

WINDOW = {"window_start": "2026-03-03T00:00:00Z", "window_end": "2026-03-06T00:00:00Z"}


def open_case(world: World, who: str = "admin_a") -> int:
    r = world[who].client.post(
        "/api/v1/cases",
        json={
            "title": "Aggregator OOMKilled every night",
            "description": "Memory limit 8Gi.",
            "severity": "P2",
        },
    )
    assert r.status_code == 201, r.text
    return int(r.json()["case"]["id"])


def new_session(world: World, case_id: int, **body: Any) -> dict[str, Any]:
    r = world["engineer"].client.post(
        f"/api/v1/cases/{case_id}/sessions", json={"topic": "Aggregator memory", **body}
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def path(case_id: int, session: dict[str, Any], action: str = "") -> str:
    return f"/api/v1/cases/{case_id}/sessions/{session['id']}" + (f"/{action}" if action else "")


def proposed_and_booked(world: World, **body: Any) -> tuple[int, dict[str, Any]]:
    case_id = open_case(world)
    session = new_session(world, case_id, **body)
    r = world["engineer"].client.post(path(case_id, session, "propose"), json=WINDOW)
    assert r.status_code == 200, r.text
    first = r.json()["proposed_starts"][0]
    r = world["admin_a"].client.post(path(case_id, session, "book"), json={"start": first})
    assert r.status_code == 200, r.text
    return case_id, r.json()


def event_of(data: bytes) -> tuple[icalendar.Calendar, Any]:
    cal = icalendar.Calendar.from_ical(data)
    return cal, cal.walk("VEVENT")[0]


def test_propose_pick_link_and_invite(
    world: World, tools: SessionTools, google: FakeGoogleCalendar, inbox: tuple[int, Inbox]
) -> None:
    case_id = open_case(world)
    session = new_session(world, case_id)
    assert session["status"] == "proposed"
    assert {p["role"] for p in session["participants"]} == {"engineer", "customer"}
    r = world["engineer"].client.post(path(case_id, session, "propose"), json=WINDOW)
    starts = r.json()["proposed_starts"]
    # default hours are Mon-Fri 09:00-17:00 in each person's zone (UTC here); one per day first
    assert starts == sorted(starts) and len(starts) == 5
    assert {"2026-03-03T09:00:00Z", "2026-03-04T09:00:00Z", "2026-03-05T09:00:00Z"} <= set(starts)

    booked = (
        world["admin_a"]
        .client.post(path(case_id, session, "book"), json={"start": "2026-03-04T09:00:00Z"})
        .json()
    )
    assert booked["status"] == "booked" and booked["start"] == "2026-03-04T09:00:00Z"
    assert booked["meeting"]["join_url"].startswith("https://meet.google.com/")
    inserts = [q for q in google.requests if q.method == "POST"]
    assert len(inserts) == 1 and inserts[0].query["conferenceDataVersion"] == "1"
    case = world["admin_a"].client.get(f"/api/v1/cases/{case_id}").json()
    assert case["status"] == "session_scheduled"
    kinds = [e["kind"] for e in case["timeline"]]
    assert "session_booked" in kinds and "session_invite_sent" not in kinds  # internal

    _, box = inbox
    assert len(box.messages) == 1
    recipients, _ = box.messages[0]
    assert sorted(recipients) == sorted(p["email"] for p in booked["participants"])
    cal, event = event_of(box.calendars()[0])
    assert cal["METHOD"] == "REQUEST" and event["UID"] == booked["uid"]
    assert event["LOCATION"] == booked["meeting"]["join_url"]
    assert int(event["SEQUENCE"]) == booked["sequence"]

    ics = world["admin_a"].client.get(booked["invite_url"])
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    cal, event = event_of(ics.content)
    assert event["DTSTART"].dt.isoformat() == "2026-03-04T09:00:00+00:00"
    assert len(event.get("ATTENDEE")) == 2


def test_customer_may_only_pick_a_proposed_time(world: World, tools: SessionTools) -> None:
    case_id = open_case(world)
    session = new_session(world, case_id)
    member = world["member_a"].client
    assert member.post(f"/api/v1/cases/{case_id}/sessions", json={"topic": "x"}).status_code == 403
    assert member.post(path(case_id, session, "propose"), json=WINDOW).status_code == 403
    world["engineer"].client.post(path(case_id, session, "propose"), json=WINDOW)
    r = member.post(path(case_id, session, "book"), json={"start": "2026-03-03T09:15:00Z"})
    assert r.status_code == 422 and "not one of the proposed" in r.json()["detail"]
    r = member.post(
        path(case_id, session, "book"), json={"start": "2026-03-03T09:15:00Z", "direct": True}
    )
    assert r.status_code == 403
    r = member.post(path(case_id, session, "book"), json={"start": "2026-03-03T09:00:00"})
    assert r.status_code == 422  # a time without a zone is refused


def test_adding_an_engineer_updates_the_invite(
    world: World, tools: SessionTools, google: FakeGoogleCalendar, inbox: tuple[int, Inbox]
) -> None:
    case_id, booked = proposed_and_booked(world)
    manager = world["manager"].user
    r = world["engineer"].client.post(
        path(case_id, booked, "participants"), json={"user_id": manager.id}
    )
    assert r.status_code == 200, r.text
    updated = r.json()
    assert updated["sequence"] == booked["sequence"] + 1
    assert manager.email in [p["email"] for p in updated["participants"]]
    assert any(q.method == "PATCH" for q in google.requests)
    _, box = inbox
    recipients, message = box.messages[-1]
    subject = " ".join(str(message["Subject"]).split())  # long subjects come folded
    assert manager.email in recipients and subject.startswith("Updated:")
    _, event = event_of(box.calendars()[-1])
    assert int(event["SEQUENCE"]) == updated["sequence"] and event["UID"] == booked["uid"]


def test_agenda_readiness_ticking_and_disengage(world: World, tools: SessionTools) -> None:
    case_id, booked = proposed_and_booked(world)
    support, customer = world["engineer"].client, world["admin_a"].client
    mine = customer.post(
        path(case_id, booked, "tasks"), json={"title": "Share aggregator logs"}
    ).json()
    assert mine["agenda"][0]["owner"] == world["admin_a"].user.email
    theirs = support.post(path(case_id, booked, "tasks"), json={"title": "Check DuckDB size"})
    assert theirs.status_code == 201
    assert (
        customer.post(
            path(case_id, booked, "tasks"),
            json={"title": "x", "owner": world["engineer"].user.email},
        ).status_code
        == 403
    )
    assert set(theirs.json()["not_ready"]) == {
        world["admin_a"].user.email,
        world["engineer"].user.email,
    }
    ready = customer.post(path(case_id, booked, "ready")).json()
    assert ready["not_ready"] == [world["engineer"].user.email]

    assert support.post(path(case_id, booked, "begin")).json()["status"] == "in_progress"
    r = support.post(path(case_id, booked, "disengage"), json={})
    assert r.status_code == 409 and "active task" in r.json()["detail"]
    assert (
        customer.patch(path(case_id, booked, "tasks/t2"), json={"state": "done"}).status_code == 403
    )
    customer.patch(path(case_id, booked, "tasks/t1"), json={"state": "done"})
    last = support.patch(path(case_id, booked, "tasks/t2"), json={"state": "dropped"}).json()
    assert last["may_disengage"] is True
    assert customer.post(path(case_id, booked, "disengage"), json={}).status_code == 403
    done = support.post(path(case_id, booked, "disengage"), json={}).json()
    assert done["status"] == "disengaged" and "internally" in done["note"]
    case = customer.get(f"/api/v1/cases/{case_id}").json()
    assert case["status"] == "waiting_on_support"
    assert any(e["kind"] == "session_disengaged" for e in case["timeline"])


def test_cancel_sends_method_cancel_and_deletes_the_meeting(
    world: World, tools: SessionTools, google: FakeGoogleCalendar, inbox: tuple[int, Inbox]
) -> None:
    case_id, booked = proposed_and_booked(world)
    r = world["engineer"].client.post(
        path(case_id, booked, "cancel"), json={"note": "Fixed by the upgrade"}
    )
    cancelled = r.json()
    assert cancelled["status"] == "cancelled" and cancelled["sequence"] == booked["sequence"] + 1
    assert any(q.method == "DELETE" for q in google.requests)
    cal, event = event_of(inbox[1].calendars()[-1])
    assert cal["METHOD"] == "CANCEL" and event["STATUS"] == "CANCELLED"
    ics = world["admin_a"].client.get(booked["invite_url"])
    assert event_of(ics.content)[0]["METHOD"] == "CANCEL"
    case = world["admin_a"].client.get(f"/api/v1/cases/{case_id}").json()
    assert case["status"] == "waiting_on_support"


def test_zoom_per_session_and_customer_link_per_org(
    world: World, tools: SessionTools, zoom: FakeZoom
) -> None:
    _, booked = proposed_and_booked(world, tool="zoom")
    assert booked["tool"] == "zoom" and booked["meeting"]["join_url"] in {
        m["join_url"] for m in zoom.meetings.values()
    }
    with world.engage.uow() as uow:
        org = uow.orgs.get(world.org_a)
        assert org is not None
        org.policy = {
            "meeting_tools": ["custom"],
            "screen_sharing": False,
            "custom_meeting_url": "https://teams.example.com/l/1",
        }
        uow.commit()
    _, own = proposed_and_booked(world)
    assert own["tool"] == "custom" and own["screen_sharing_allowed"] is False
    assert own["meeting"]["join_url"] == "https://teams.example.com/l/1"
    ics = (
        world["admin_a"]
        .client.get(f"/api/v1/cases/{own['case_id']}/sessions/{own['id']}/invite.ics")
        .text
    )
    assert "you drive your own screen" in ics.replace("\r\n ", "")  # unfolded
    r = world["engineer"].client.post(
        f"/api/v1/cases/{own['case_id']}/sessions", json={"topic": "t", "tool": "zoom"}
    )
    assert r.status_code == 422 and "does not allow zoom" in r.json()["detail"]


def test_provider_failure_keeps_the_booking_and_is_noted(
    world: World, tools: SessionTools, google: FakeGoogleCalendar
) -> None:
    google.revoke_token()
    case_id, booked = proposed_and_booked(world)
    assert booked["status"] == "booked" and booked["meeting"] is None
    timeline = world["engineer"].client.get(f"/api/v1/cases/{case_id}/timeline").json()
    failed = [e for e in timeline if e["kind"] == "session_link_failed"]
    assert failed and failed[0]["internal"] is True
    customer_view = world["admin_a"].client.get(f"/api/v1/cases/{case_id}/timeline").json()
    assert not any(e["kind"] == "session_link_failed" for e in customer_view)


def test_a_booked_engineer_is_busy_for_other_sessions(world: World, tools: SessionTools) -> None:
    _, booked = proposed_and_booked(world)
    other_case = open_case(world)
    second = new_session(world, other_case)
    r = world["engineer"].client.post(
        path(other_case, second, "book"), json={"start": booked["start"], "direct": True}
    )
    assert r.status_code == 409 and r.json()["title"] == "Slot no longer available"
    proposals = (
        world["engineer"]
        .client.post(path(other_case, second, "propose"), json=WINDOW)
        .json()["proposed_starts"]
    )
    assert booked["start"] not in proposals


def test_no_show_is_recorded(world: World, tools: SessionTools) -> None:
    case_id, booked = proposed_and_booked(world)
    support = world["engineer"].client
    email = world["admin_a"].user.email
    assert support.post(path(case_id, booked, "no-shows"), json={"email": email}).status_code == 409
    support.post(path(case_id, booked, "begin"))
    after = support.post(path(case_id, booked, "no-shows"), json={"email": email}).json()
    assert [p["no_show"] for p in after["participants"] if p["email"] == email] == [True]
    again = support.get(path(case_id, booked)).json()
    assert [p["no_show"] for p in again["participants"] if p["email"] == email] == [True]


@pytest.mark.parametrize("missing", ["/sessions/999999", "/sessions/999999/invite.ics"])
def test_unknown_session_is_404(world: World, missing: str) -> None:
    case_id = open_case(world)
    assert world["engineer"].client.get(f"/api/v1/cases/{case_id}{missing}").status_code == 404
