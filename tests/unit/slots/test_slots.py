"""Slot search on hand-worked examples, DST days and bad input."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from engage.domain.availability import (
    AvailabilityError,
    DailyRange,
    Person,
    from_micros,
    parse_clock,
    wall_to_micros,
    zone,
)
from engage.domain.slots import (
    SlotQuery,
    SlotQueryError,
    SlotUnavailable,
    ensure_slot_free,
    find_slots,
    is_slot_free,
    people_from_dict,
    query_from_dict,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def wall(day: str, clock: str, tz: str) -> str:
    micros = wall_to_micros(date.fromisoformat(day), parse_clock(clock), zone(tz))
    return from_micros(micros).strftime("%Y-%m-%dT%H:%MZ")


@pytest.mark.parametrize(
    ("day", "clock", "tz", "expected"),
    [
        ("2026-03-02", "09:00", "Asia/Kolkata", "2026-03-02T03:30Z"),
        ("2026-03-02", "09:00", "Asia/Kathmandu", "2026-03-02T03:15Z"),
        ("2026-03-02", "09:00", "Pacific/Chatham", "2026-03-01T19:15Z"),  # +13:45 (summer)
        ("2026-06-01", "09:00", "Pacific/Chatham", "2026-05-31T20:15Z"),  # +12:45 (winter)
        # nonexistent (spring-forward gap): read with the offset before the gap
        ("2026-03-08", "02:30", "America/New_York", "2026-03-08T07:30Z"),
        ("2026-10-04", "02:30", "Australia/Sydney", "2026-10-03T16:30Z"),
        ("2026-09-27", "03:00", "Pacific/Chatham", "2026-09-26T14:15Z"),
        ("2026-09-06", "00:00", "America/Santiago", "2026-09-06T04:00Z"),
        # repeated (fall-back): the first occurrence
        ("2026-11-01", "01:30", "America/New_York", "2026-11-01T05:30Z"),
        ("2026-04-05", "02:30", "Australia/Sydney", "2026-04-04T15:30Z"),
        ("2026-04-05", "02:50", "Pacific/Chatham", "2026-04-04T13:05Z"),
        ("2026-04-04", "23:30", "America/Santiago", "2026-04-05T02:30Z"),
        # 24:00 is the next local midnight
        ("2026-09-06", "24:00", "America/Santiago", "2026-09-07T03:00Z"),
    ],
)
def test_wall_clock_to_utc_follows_rfc5545(day: str, clock: str, tz: str, expected: str) -> None:
    assert wall(day, clock, tz) == expected


def test_issue_example_by_hand(fixtures_dir: Path) -> None:
    data = json.loads((fixtures_dir / "slots" / "issue6.json").read_text())
    slots = find_slots(people_from_dict(data), query_from_dict(data, now=NOW))
    by_day: dict[str, list[str]] = {}
    for slot in slots:
        by_day.setdefault(slot.date().isoformat(), []).append(slot.strftime("%H:%M"))
    assert by_day["2026-03-02"][0] == "14:00" and by_day["2026-03-02"][-1] == "17:30"
    assert by_day["2026-03-03"] == ["14:00", "16:00"]  # busy 15-16Z and the lunch gap
    assert "2026-03-09" not in by_day  # override [] means unavailable
    # after US DST (EDT): morning 13-16Z, afternoon cut by li's 18:00Z end
    assert by_day["2026-03-10"] == [
        f"{h}:{m}" for h in ("13", "14") for m in ("00", "15", "30", "45")
    ] + ["15:00", "17:00"]
    assert by_day["2026-03-14"][0] == "14:00" and by_day["2026-03-14"][-1] == "17:00"
    assert len(slots) == 15 + 2 + 10 + 13
    assert slots == sorted(slots)


def _night_owl(day: str) -> dict[str, Person]:
    person = Person(
        name="nyc",
        tz="America/New_York",
        overrides={date.fromisoformat(day): (DailyRange.parse("01:00", "04:00"),)},
    )
    return {"nyc": person}


def _query(start: str, end: str, minutes: int, **kw: object) -> SlotQuery:
    return SlotQuery(
        window_start=utc(start),
        window_end=utc(end),
        duration=timedelta(minutes=minutes),
        now=NOW,
        required=("nyc",),
        **kw,
    )  # type: ignore[arg-type]


def test_spring_forward_day_has_two_real_hours() -> None:
    query = _query("2026-03-08T00:00:00Z", "2026-03-09T00:00:00Z", 120, step=timedelta(minutes=30))
    assert find_slots(_night_owl("2026-03-08"), query) == [utc("2026-03-08T06:00:00Z")]
    longer = _query("2026-03-08T00:00:00Z", "2026-03-09T00:00:00Z", 150)
    assert find_slots(_night_owl("2026-03-08"), longer) == []


def test_fall_back_day_has_four_real_hours() -> None:
    query = _query("2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z", 240)
    assert find_slots(_night_owl("2026-11-01"), query) == [utc("2026-11-01T05:00:00Z")]


def test_buffers_apply_to_hours_and_busy_blocks() -> None:
    person = Person(
        name="p",
        tz="UTC",
        weekly={0: (DailyRange.parse("09:00", "12:00"),)},
        busy=((utc("2026-03-02T11:00:00Z"), utc("2026-03-02T11:30:00Z")),),
    )
    query = SlotQuery(
        window_start=utc("2026-03-02T00:00:00Z"),
        window_end=utc("2026-03-03T00:00:00Z"),
        duration=timedelta(minutes=30),
        now=NOW,
        required=("p",),
        buffer_before=timedelta(minutes=15),
        buffer_after=timedelta(minutes=15),
    )
    assert [s.strftime("%H:%M") for s in find_slots({"p": person}, query)] == [
        "09:15",
        "09:30",
        "09:45",
        "10:00",
        "10:15",
    ]


def test_grid_starts_at_window_start_and_notice_is_respected() -> None:
    person = Person(
        name="p", tz="UTC", weekly={d: (DailyRange.parse("00:00", "24:00"),) for d in range(7)}
    )
    query = SlotQuery(
        window_start=utc("2026-03-02T00:07:00Z"),
        window_end=utc("2026-03-02T02:00:00Z"),
        duration=timedelta(minutes=30),
        step=timedelta(minutes=20),
        now=utc("2026-03-02T00:00:00Z"),
        min_notice=timedelta(minutes=30),
        required=("p",),
    )
    assert [s.strftime("%H:%M") for s in find_slots({"p": person}, query)] == [
        "00:47",
        "01:07",
        "01:27",
    ]


def test_group_needs_one_member_and_overnight_hours_join_at_midnight() -> None:
    day = (DailyRange.parse("22:00", "24:00"),)
    night = (DailyRange.parse("00:00", "02:00"),)
    a = Person(name="a", tz="UTC", weekly={0: day, 1: night})
    b = Person(name="b", tz="UTC", weekly={1: (DailyRange.parse("01:00", "03:00"),)})
    query = SlotQuery(
        window_start=utc("2026-03-02T00:00:00Z"),
        window_end=utc("2026-03-04T00:00:00Z"),
        duration=timedelta(hours=2),
        step=timedelta(hours=1),
        now=NOW,
        groups=(("a", "b"),),
    )
    assert [s.strftime("%d %H") for s in find_slots({"a": a, "b": b}, query)] == [
        "02 22",
        "02 23",
        "03 00",
        "03 01",
    ]


def test_booking_recheck() -> None:
    people = _night_owl("2026-11-01")
    query = _query("2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z", 60)
    assert is_slot_free(people, query, utc("2026-11-01T07:00:00Z"))
    assert not is_slot_free(people, query, utc("2026-11-01T07:05:00Z"))  # off the grid
    booked = Person(
        name="nyc",
        tz="America/New_York",
        overrides=people["nyc"].overrides,
        busy=((utc("2026-11-01T07:30:00Z"), utc("2026-11-01T08:00:00Z")),),
    )
    with pytest.raises(SlotUnavailable):
        ensure_slot_free({"nyc": booked}, query, utc("2026-11-01T07:00:00Z"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"required": ["nobody"]}, "no availability given for: nobody"),
        ({"groups": [[]]}, "group needs at least one member"),
        ({"duration_minutes": 0}, "must be positive"),
        ({"window": {"start": "2026-03-02T00:00:00Z", "end": "2026-03-01T00:00:00Z"}}, "window"),
        (
            {"window": {"start": "2026-03-02T00:00:00", "end": "2026-03-03T00:00:00Z"}},
            "needs an offset",
        ),
        ({"step_minutes": "15"}, "whole number"),
    ],
)
def test_bad_queries_are_named_errors(
    fixtures_dir: Path, change: dict[str, object], message: str
) -> None:
    data = json.loads((fixtures_dir / "slots" / "issue6.json").read_text()) | change
    with pytest.raises(
        SlotQueryError if "offset" not in message else AvailabilityError, match=message
    ):
        find_slots(people_from_dict(data), query_from_dict(data, now=NOW))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"tz": "Mars/Olympus"}, "unknown time zone"),
        ({"tz": "UTC", "weekly": {"monday": []}}, "unknown weekday"),
        ({"tz": "UTC", "weekly": {"mon": [["17:00", "09:00"]]}}, "run forward"),
        ({"tz": "UTC", "weekly": {"mon": [["9:00", "10:00"]]}}, "not HH:MM"),
        ({"tz": "UTC", "weekly": {"mon": [["09:00", "24:30"]]}}, "out of range"),
        ({"tz": "UTC", "overrides": {"03/02": []}}, "YYYY-MM-DD"),
        ({"tz": "UTC", "busy": [["2026-03-02T10:00:00Z", "2026-03-02T09:00:00Z"]]}, "ends before"),
        ({}, "tz"),
    ],
)
def test_bad_availability_is_named_error(spec: dict[str, object], message: str) -> None:
    with pytest.raises(AvailabilityError, match=message):
        people_from_dict({"people": {"p": spec}})
