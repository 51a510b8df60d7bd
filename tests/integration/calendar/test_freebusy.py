"""Busy times from ICS files and from a feed served on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engage.adapters.calendar.freebusy import (
    IcsBusyError,
    busy_from_ics,
    fetch_pinned,
    read_ics,
)
from tests.support.static_server import serve_files

START = datetime(2026, 3, 1, tzinfo=UTC)
END = datetime(2026, 3, 8, tzinfo=UTC)


def z(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_events_expand_and_skip_free_and_cancelled(fixtures_dir: Path) -> None:
    data = (fixtures_dir / "slots" / "team.ics").read_bytes()
    assert busy_from_ics(data, start=START, end=END, tz="America/New_York") == [
        (z("2026-03-02T15:00"), z("2026-03-02T15:30")),  # 10:00 EST stand-up
        (z("2026-03-03T15:00"), z("2026-03-03T15:30")),
        (z("2026-03-03T19:00"), z("2026-03-03T19:45")),  # floating 14:00, read in New York
        (z("2026-03-05T20:00"), z("2026-03-05T20:30")),  # moved occurrence; 03-04 is an EXDATE
        (z("2026-03-06T05:00"), z("2026-03-07T05:00")),  # all-day offsite, New York day
        (z("2026-03-06T15:00"), z("2026-03-06T15:30")),
    ]


def test_recurrence_crosses_dst(fixtures_dir: Path) -> None:
    data = (fixtures_dir / "slots" / "team.ics").read_bytes()
    after = busy_from_ics(
        data, start=z("2026-03-09T00:00"), end=z("2026-03-10T00:00"), tz="America/New_York"
    )
    assert after == [(z("2026-03-09T14:00"), z("2026-03-09T14:30"))]  # 10:00 EDT


def test_vfreebusy_periods() -> None:
    data = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VFREEBUSY\r\n"
        "UID:fb@t\r\nDTSTAMP:20260201T000000Z\r\n"
        "FREEBUSY;FBTYPE=BUSY:20260302T090000Z/20260302T100000Z,20260303T090000Z/PT30M\r\n"
        "FREEBUSY;FBTYPE=FREE:20260304T090000Z/20260304T100000Z\r\n"
        "FREEBUSY:20260401T090000Z/20260401T100000Z\r\n"
        "END:VFREEBUSY\r\nEND:VCALENDAR\r\n"
    )
    assert busy_from_ics(data, start=START, end=END) == [
        (z("2026-03-02T09:00"), z("2026-03-02T10:00")),
        (z("2026-03-03T09:00"), z("2026-03-03T09:30")),
    ]


def test_garbage_is_a_named_error(tmp_path: Path) -> None:
    with pytest.raises(IcsBusyError):
        busy_from_ics(b"hello", start=START, end=END)
    with pytest.raises(IcsBusyError, match="cannot read"):
        read_ics("missing.ics", base_dir=tmp_path)


@pytest.fixture
def feed(fixtures_dir: Path) -> Iterator[str]:
    body = (fixtures_dir / "slots" / "team.ics").read_bytes()

    with serve_files({"/team.ics": (body, "text/calendar")}) as base:
        yield base


def test_feed_over_http(feed: str, fixtures_dir: Path) -> None:
    assert read_ics(f"{feed}/team.ics") == (fixtures_dir / "slots" / "team.ics").read_bytes()
    with pytest.raises(IcsBusyError, match="cannot fetch"):
        read_ics(f"{feed}/other.ics")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:1/x.ics",
        "http://localhost/x.ics",
        "http://10.1.2.3/x.ics",
        "http://169.254.169.254/latest",
        "http://[::1]/x.ics",
        "webcal://192.168.0.10/cal.ics",
    ],
)
def test_server_side_fetch_refuses_internal_addresses(url: str) -> None:
    with pytest.raises(IcsBusyError, match="non-public address"):
        read_ics(url, public_only=True)


def test_server_side_fetch_reads_no_files_and_follows_no_redirect(
    feed: str, tmp_path: Path
) -> None:
    (tmp_path / "x.ics").write_text("BEGIN:VCALENDAR\nEND:VCALENDAR\n")
    with pytest.raises(IcsBusyError, match="URLs only"):
        read_ics("x.ics", base_dir=tmp_path, public_only=True)
    with pytest.raises(IcsBusyError, match="non-public"):
        read_ics(f"{feed}/team.ics", public_only=True)  # the loopback test feed is refused


def test_fetch_connects_to_the_checked_address_not_a_second_lookup(feed: str) -> None:
    """`calendar.invalid` resolves nowhere in real DNS: the fetch succeeds only because it
    connects to the one address the (checked) lookup returned, sending the original Host."""
    port = int(feed.rsplit(":", 1)[1])
    lookups: list[str] = []

    def resolve(host: str, *_: object, **__: object) -> list[tuple[object, ...]]:
        lookups.append(host)
        return [(2, 1, 6, "", ("127.0.0.1", port))]

    body = fetch_pinned(f"http://calendar.invalid:{port}/team.ics", resolve=resolve)
    assert body.startswith(b"BEGIN:VCALENDAR")
    assert lookups == ["calendar.invalid"]
    with pytest.raises(IcsBusyError, match="non-public"):
        fetch_pinned(f"http://calendar.invalid:{port}/team.ics", resolve=resolve, public_only=True)


def test_feed_size_is_capped_while_it_downloads(feed: str) -> None:
    with pytest.raises(IcsBusyError, match="larger than"):
        fetch_pinned(f"{feed}/team.ics", max_bytes=100)
    assert len(fetch_pinned(f"{feed}/team.ics")) > 100
