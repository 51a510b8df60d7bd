"""Busy feeds are refreshed by a periodic job into the database; proposing times reads what
is stored (no feed is fetched inside the request) and the feed's response size is capped."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engage.adapters.calendar.freebusy import IcsBusyError, read_ics
from engage.domain.clock import FixedClock
from engage.services.availability import FEED_JOB
from engage.services.sessions import SessionTools
from tests.integration.conftest import World
from tests.support.static_server import serve_files

from .test_availability import FEED
from .test_sessions_api import new_session, open_case

LATER = FEED.replace(b"20260303T100000", b"20260303T090000").replace(
    b"20260303T120000", b"20260303T130000"
)
FILES: dict[str, tuple[bytes, str]] = {}


@pytest.fixture
def feed_url() -> Iterator[str]:
    """A feed whose content the test changes, and a feed far too big."""
    FILES.clear()
    FILES["/busy.ics"] = (FEED, "text/calendar")
    FILES["/huge.ics"] = (b"BEGIN:VCALENDAR\r\n" + b"X" * (6 << 20), "text/calendar")
    with serve_files(FILES) as base:
        yield f"{base}/busy.ics"


def _propose(world: World, case_id: int, session_id: int) -> list[str]:
    r = world["engineer"].client.post(
        f"/api/v1/cases/{case_id}/sessions/{session_id}/propose",
        json={
            "window_start": "2026-03-03T00:00:00Z",
            "window_end": "2026-03-04T00:00:00Z",
            "step_minutes": 60,
            "count": 20,
        },
    )
    assert r.status_code == 200, r.text
    return list(r.json()["proposed_starts"])


def test_the_refresh_job_updates_busy_time_and_propose_reads_it(
    world: World, tools: SessionTools, feed_url: str
) -> None:
    engineer = world["engineer"]
    r = engineer.client.put(
        f"/api/v1/users/{engineer.user.id}/availability",
        json={"tz": "Europe/Berlin", "weekly": {"tue": [["09:00", "13:00"]]}, "ics_url": feed_url},
    )
    assert r.status_code == 200, r.text
    case_id = open_case(world)
    session = new_session(world, case_id)
    assert _propose(world, case_id, session["id"]) == ["2026-03-03T11:00:00Z"]
    FILES["/busy.ics"] = (LATER, "text/calendar")  # now busy all morning
    clock = world.engage.clock
    assert isinstance(clock, FixedClock)
    clock.advance(minutes=20)
    # proposing does not fetch the feed: the stored blocks still apply
    second = new_session(world, case_id)
    assert _propose(world, case_id, second["id"]) == ["2026-03-03T11:00:00Z"]
    world.engage.jobs.enqueue(FEED_JOB)
    third = new_session(world, case_id)
    r = world["engineer"].client.post(
        f"/api/v1/cases/{case_id}/sessions/{third['id']}/propose",
        json={"window_start": "2026-03-03T00:00:00Z", "window_end": "2026-03-04T00:00:00Z"},
    )
    assert r.status_code == 409  # 08:00-12:00Z is all busy now
    got = engineer.client.get(f"/api/v1/users/{engineer.user.id}/availability").json()
    assert got["ics_fetched_at"].startswith("2026-03-02T14:20")


def test_a_feed_response_is_capped(feed_url: str) -> None:
    with pytest.raises(IcsBusyError, match="larger than"):
        read_ics(feed_url.replace("busy.ics", "huge.ics"), max_bytes=1 << 20)
