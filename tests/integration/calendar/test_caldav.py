"""Invites round-trip through a real CalDAV server (Radicale) and answer time-range queries."""

from __future__ import annotations

import httpx
import icalendar

from engage.adapters.calendar.ics import build_ics
from engage.domain import sessions as s
from engage.domain.sessions import Participant, Role, Session

from .conftest import STAMP

AUTH = ("alice", "any")
QUERY = """<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
    <C:time-range start="{start}" end="{end}"/>
  </C:comp-filter></C:comp-filter></C:filter>
</C:calendar-query>"""


def comparable(data: bytes) -> dict[str, list[bytes]]:
    """Every VEVENT property, serialised, so parameter and value changes show up."""
    event = icalendar.Calendar.from_ical(data).walk("VEVENT")[0]
    result: dict[str, list[bytes]] = {}
    for name, value in event.property_items(recursive=False):
        if name not in {"BEGIN", "END"}:
            result.setdefault(name, []).append(bytes(value.to_ical()))
    return result


def test_put_get_round_trip(radicale: str, session: Session) -> None:
    with httpx.Client(base_url=radicale, auth=AUTH, timeout=10) as dav:
        assert dav.request("MKCALENDAR", "/alice/support/").status_code == 201
        href = "/alice/support/session-42.ics"
        stored = build_ics(session, stamp=STAMP, method=None)
        put = dav.put(
            href, content=stored, headers={"Content-Type": "text/calendar; charset=utf-8"}
        )
        assert put.status_code == 201, put.text
        got = dav.get(href)
        assert got.status_code == 200
        assert comparable(got.content) == comparable(stored)

        def found(start: str, end: str) -> bool:
            report = dav.request(
                "REPORT",
                "/alice/support/",
                headers={"Depth": "1"},
                content=QUERY.format(start=start, end=end),
            )
            assert report.status_code == 207, report.text
            return "session-42.ics" in report.text

        assert found("20260302T140000Z", "20260302T141500Z")
        assert not found("20260302T144500Z", "20260302T150000Z")  # 45 minutes long

        # an update replaces it in place (same UID, same resource, If-Match on the ETag)
        updated = s.add_participant(session, Participant("li@support.test", "Li", Role.ENGINEER))
        again = build_ics(updated, stamp=STAMP, method=None)
        put = dav.put(
            href,
            content=again,
            headers={"Content-Type": "text/calendar", "If-Match": got.headers["ETag"]},
        )
        assert put.status_code in {201, 204}, put.text
        event = icalendar.Calendar.from_ical(dav.get(href).content).walk("VEVENT")[0]
        assert event["SEQUENCE"] == session.sequence + 1
        assert "mailto:li@support.test" in [str(a) for a in event["ATTENDEE"]]
