"""Availability through the API: hours in people's own zones, entered and ICS busy time."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engage.services.sessions import SessionTools
from tests.integration.conftest import World
from tests.support.static_server import serve_files

from .test_sessions_api import new_session, open_case

FEED = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//feed//EN\r
BEGIN:VEVENT\r
UID:standup@test\r
DTSTAMP:20260301T000000Z\r
DTSTART;TZID=Europe/Berlin:20260303T100000\r
DTEND;TZID=Europe/Berlin:20260303T120000\r
SUMMARY:Busy\r
END:VEVENT\r
END:VCALENDAR\r
"""


@pytest.fixture
def feed_url() -> Iterator[str]:
    """An ICS feed served over loopback HTTP."""
    with serve_files({"/busy.ics": (FEED, "text/calendar")}) as base:
        yield f"{base}/busy.ics"


def test_default_hours_and_who_may_change_them(world: World) -> None:
    member = world["member_a"]
    got = member.client.get(f"/api/v1/users/{member.user.id}/availability").json()
    assert got["tz"] == "UTC" and got["weekly"]["mon"] == [["09:00", "17:00"]]
    assert "sat" not in got["weekly"]
    body = {"tz": "Asia/Kolkata", "weekly": {"mon": [["10:00", "18:30"]]}}
    assert (
        member.client.put(f"/api/v1/users/{member.user.id}/availability", json=body).status_code
        == 200
    )
    admin_id = world["admin_a"].user.id
    assert member.client.put(f"/api/v1/users/{admin_id}/availability", json=body).status_code == 403
    assert (
        world["admin_a"]
        .client.put(f"/api/v1/users/{member.user.id}/availability", json=body)
        .status_code
        == 200
    )
    assert (
        world["engineer"]
        .client.put(f"/api/v1/users/{member.user.id}/availability", json=body)
        .status_code
        == 403
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"tz": "Mars/Olympus"}, "unknown time zone"),
        ({"tz": "UTC", "weekly": {"funday": []}}, "unknown weekday"),
        ({"tz": "UTC", "weekly": {"mon": [["17:00", "09:00"]]}}, "run forward"),
        ({"tz": "UTC", "ics_url": "/etc/passwd"}, "http(s) or webcal"),
        (
            {"tz": "UTC", "busy": [["2026-03-03T12:00:00Z", "2026-03-03T11:00:00Z"]]},
            "before its end",
        ),
    ],
)
def test_bad_availability_is_a_clear_422(
    world: World, body: dict[str, object], message: str
) -> None:
    me = world["member_a"]
    r = me.client.put(f"/api/v1/users/{me.user.id}/availability", json=body)
    assert r.status_code == 422 and message in r.json()["detail"], r.text


def test_hours_in_each_zone_and_busy_blocks_shape_the_proposals(
    world: World, tools: SessionTools
) -> None:
    customer, engineer = world["admin_a"], world["engineer"]
    customer.client.put(
        f"/api/v1/users/{customer.user.id}/availability",
        json={
            "tz": "America/New_York",
            "weekly": {"tue": [["09:00", "12:00"]]},
            "busy": [["2026-03-03T14:00:00Z", "2026-03-03T15:00:00Z"]],
        },
    )
    case_id = open_case(world)
    session = new_session(world, case_id)
    r = engineer.client.post(
        f"/api/v1/cases/{case_id}/sessions/{session['id']}/propose",
        json={
            "window_start": "2026-03-02T00:00:00Z",
            "window_end": "2026-03-09T00:00:00Z",
            "step_minutes": 60,
            "count": 20,
        },
    )
    # Tue 3 Mar 09:00-12:00 EST is 14:00-17:00Z and 14:00-15:00Z is busy, so of the whole
    # week only 15:00Z and 16:00Z are left for an hour (the engineer works 09:00-17:00Z).
    assert r.json()["proposed_starts"] == ["2026-03-03T15:00:00Z", "2026-03-03T16:00:00Z"]
    got = customer.client.get(f"/api/v1/users/{customer.user.id}/availability").json()
    assert got["busy"] == [["2026-03-03T14:00:00Z", "2026-03-03T15:00:00Z"]]


def test_no_common_time_is_a_409_that_says_so(world: World, tools: SessionTools) -> None:
    customer = world["admin_a"]
    customer.client.put(
        f"/api/v1/users/{customer.user.id}/availability",
        json={"tz": "UTC", "weekly": {"sat": [["09:00", "17:00"]]}},
    )
    case_id = open_case(world)
    session = new_session(world, case_id)
    r = world["engineer"].client.post(
        f"/api/v1/cases/{case_id}/sessions/{session['id']}/propose",
        json={"window_start": "2026-03-03T00:00:00Z", "window_end": "2026-03-06T00:00:00Z"},
    )
    assert r.status_code == 409 and "widen the search" in r.json()["detail"]


def test_ics_feed_busy_time_is_imported(world: World, tools: SessionTools, feed_url: str) -> None:
    engineer = world["engineer"]
    r = engineer.client.put(
        f"/api/v1/users/{engineer.user.id}/availability",
        json={"tz": "Europe/Berlin", "weekly": {"tue": [["09:00", "13:00"]]}, "ics_url": feed_url},
    )
    assert r.status_code == 200 and r.json()["ics_fetched_at"] is not None
    case_id = open_case(world)
    session = new_session(world, case_id)
    proposals = engineer.client.post(
        f"/api/v1/cases/{case_id}/sessions/{session['id']}/propose",
        json={
            "window_start": "2026-03-03T00:00:00Z",
            "window_end": "2026-03-04T00:00:00Z",
            "step_minutes": 60,
            "count": 20,
        },
    ).json()["proposed_starts"]
    # Berlin 09:00-13:00 is 08:00-12:00Z; the feed blocks 10:00-12:00 Berlin (09:00-11:00Z);
    # the customer works 09:00-17:00Z, so only 11:00Z is left.
    assert proposals == ["2026-03-03T11:00:00Z"]


def test_groups_need_one_free_member_who_is_then_invited(world: World, tools: SessionTools) -> None:
    engineer, manager = world["engineer"], world["manager"]
    engineer.client.put(
        f"/api/v1/users/{engineer.user.id}/availability",
        json={"tz": "UTC", "weekly": {"tue": [["09:00", "17:00"]]}},
    )
    manager.client.put(
        f"/api/v1/users/{manager.user.id}/availability",
        json={"tz": "UTC", "weekly": {"tue": [["13:00", "15:00"]]}},
    )
    case_id = open_case(world)
    session = new_session(world, case_id, participant_ids=[world["admin_a"].user.id])
    base = f"/api/v1/cases/{case_id}/sessions/{session['id']}"
    proposals = engineer.client.post(
        base + "/propose",
        json={
            "window_start": "2026-03-03T00:00:00Z",
            "window_end": "2026-03-04T00:00:00Z",
            "step_minutes": 60,
            "count": 20,
            "groups": [[manager.user.id, engineer.user.id]],
        },
    ).json()["proposed_starts"]
    assert proposals[0] == "2026-03-03T09:00:00Z" and len(proposals) == 8
    booked = (
        world["admin_a"].client.post(base + "/book", json={"start": "2026-03-03T13:00:00Z"}).json()
    )
    invited = {p["email"] for p in booked["participants"]}
    assert manager.user.email in invited and engineer.user.email not in invited
