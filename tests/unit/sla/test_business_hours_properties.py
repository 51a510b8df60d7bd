"""Invariants of business-time arithmetic, checked with hypothesis across zones and calendars."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from engage.domain.business_hours import MIDNIGHT, BusinessHours

ZONES = [
    "America/New_York",
    "Europe/Berlin",
    "Australia/Sydney",
    "Asia/Kolkata",
    "UTC",
    "America/Santiago",
]
TOLERANCE = 1e-6  # minutes; timedelta keeps microseconds

instants = st.datetimes(
    min_value=datetime(2023, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)
minutes = st.floats(min_value=0.01, max_value=30 * 24 * 60, allow_nan=False)


@st.composite
def calendars(draw: st.DrawFn) -> BusinessHours:
    """Weekday 09-17, night shifts, 24x7 or split days, in a DST-observing zone, with holidays."""
    tz = draw(st.sampled_from(ZONES))
    shape = draw(st.sampled_from(["weekdays", "night", "always", "split"]))
    holidays = frozenset(
        draw(
            st.lists(st.dates(min_value=date(2023, 1, 1), max_value=date(2027, 1, 31)), max_size=30)
        )
    )
    if shape == "weekdays":
        return BusinessHours.weekdays(tz, holidays=holidays)
    if shape == "night":
        weekly = {d: ((time(0), time(6)), (time(22), MIDNIGHT)) for d in range(7)}
    elif shape == "always":
        weekly = {d: ((time(0), MIDNIGHT),) for d in range(7)}
    else:
        weekly = {
            d: ((time(1, 30), time(3, 15)), (time(8), time(12)), (time(13), time(18)))
            for d in range(6)
        }
    return BusinessHours(tz=tz, weekly=weekly, holidays=holidays)


@settings(max_examples=150, deadline=None)
@given(calendars(), instants, minutes)
def test_add_then_minutes_between_round_trips(bh: BusinessHours, start: datetime, m: float) -> None:
    assert abs(bh.minutes_between(start, bh.add(start, m)) - m) < TOLERANCE


@settings(max_examples=150, deadline=None)
@given(calendars(), instants, minutes, minutes)
def test_add_is_monotonic_in_minutes(
    bh: BusinessHours, start: datetime, m1: float, m2: float
) -> None:
    low, high = sorted((m1, m2))
    assert bh.add(start, low) <= bh.add(start, high)


@settings(max_examples=150, deadline=None)
@given(calendars(), instants, instants, instants)
def test_minutes_between_is_additive_and_bounded_by_wall_time(
    bh: BusinessHours, a: datetime, b: datetime, c: datetime
) -> None:
    a, b, c = sorted((a, b, c))
    ab, bc, ac = bh.minutes_between(a, b), bh.minutes_between(b, c), bh.minutes_between(a, c)
    assert abs(ab + bc - ac) < TOLERANCE
    assert 0 <= ac <= (c - a).total_seconds() / 60 + TOLERANCE


@settings(max_examples=150, deadline=None)
@given(calendars(), instants, minutes)
def test_add_lands_at_the_end_of_open_time(bh: BusinessHours, start: datetime, m: float) -> None:
    due = bh.add(start, m)
    assert due > start
    assert bh.is_open(due - timedelta(microseconds=1))
