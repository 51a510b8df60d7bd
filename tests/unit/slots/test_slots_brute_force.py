"""Slot search agrees with a minute-by-minute brute force on random inputs around DST days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from engage.domain.availability import DailyRange, Person
from engage.domain.slots import SlotQuery, find_slots, is_slot_free

MINUTE = timedelta(minutes=1)
ZONES = [
    "UTC",
    "America/New_York",
    "Europe/London",
    "Europe/Dublin",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Chatham",
]
# 2026 DST changes: US, EU, southern spring and autumn (AU, NZ/Chatham, Chile)
DST_DAYS = [
    datetime(2026, 3, 8, tzinfo=UTC),
    datetime(2026, 3, 29, tzinfo=UTC),
    datetime(2026, 4, 5, tzinfo=UTC),
    datetime(2026, 9, 6, tzinfo=UTC),
    datetime(2026, 9, 27, tzinfo=UTC),
    datetime(2026, 10, 4, tzinfo=UTC),
    datetime(2026, 10, 25, tzinfo=UTC),
    datetime(2026, 11, 1, tzinfo=UTC),
]


# ---------------------------------------------------------------- the plain reference


def reference_working_pairs(
    person: Person, first: date, last: date
) -> list[tuple[datetime, datetime]]:
    """Every (start, end) of working hours on every local date from first to last."""
    pairs = []
    day = first
    while day <= last:
        ranges = (
            person.overrides[day]
            if day in person.overrides
            else person.weekly.get(day.weekday(), ())
        )
        for r in ranges:
            start = datetime.combine(
                day, time(r.start // 60, r.start % 60), tzinfo=ZoneInfo(person.tz)
            )
            end_day = day + timedelta(days=1) if r.end == 1440 else day
            end_clock = 0 if r.end == 1440 else r.end
            end = datetime.combine(
                end_day, time(end_clock // 60, end_clock % 60), tzinfo=ZoneInfo(person.tz)
            )
            pairs.append((start.astimezone(UTC), end.astimezone(UTC)))
        day += timedelta(days=1)
    return pairs


def reference_free_minute(
    pairs: list[tuple[datetime, datetime]], person: Person, minute: datetime
) -> bool:
    """The minute starting at `minute` is inside some working range and in no busy block."""
    working = any(start <= minute < end for start, end in pairs)
    busy = any(start <= minute < end for start, end in person.busy)
    return working and not busy


def reference_slots(people: dict[str, Person], query: SlotQuery) -> list[datetime]:
    """Walk the grid; check every minute of every buffered slot for every person."""
    first = query.window_start.date() - timedelta(days=3)
    last = query.window_end.date() + timedelta(days=3)
    pairs = {name: reference_working_pairs(p, first, last) for name, p in people.items()}

    def free(name: str, t: datetime) -> bool:
        minute = t - query.buffer_before
        while minute < t + query.duration + query.buffer_after:
            if not reference_free_minute(pairs[name], people[name], minute):
                return False
            minute += MINUTE
        return True

    slots = []
    t = query.window_start
    while t + query.duration <= query.window_end:
        if (
            t >= query.now + query.min_notice
            and all(free(name, t) for name in query.required)
            and all(any(free(name, t) for name in group) for group in query.groups)
        ):
            slots.append(t)
        t += query.step
    return slots


# ---------------------------------------------------------------- random inputs

clock = st.integers(0, 48).map(lambda half_hours: half_hours * 30) | st.integers(0, 1440)


@st.composite
def day_ranges(draw: st.DrawFn) -> tuple[DailyRange, ...]:
    ranges = []
    for _ in range(draw(st.integers(0, 3))):
        a, b = draw(clock), draw(clock)
        if a != b:
            ranges.append(DailyRange(min(a, b), max(a, b)))
    return tuple(ranges)


@st.composite
def people_and_query(draw: st.DrawFn) -> tuple[dict[str, Person], SlotQuery]:
    start = draw(st.sampled_from(DST_DAYS)) + timedelta(
        minutes=draw(st.integers(-36 * 60, 12 * 60))
    )
    end = start + timedelta(minutes=draw(st.integers(60, 36 * 60)))
    names = [f"p{i}" for i in range(draw(st.integers(1, 4)))]
    people = {}
    for name in names:
        weekly = {d: draw(day_ranges()) for d in range(7)}
        local_days = [(start + timedelta(days=k)).date() for k in range(-1, 3)]
        overrides = {
            d: draw(day_ranges()) for d in draw(st.lists(st.sampled_from(local_days), max_size=2))
        }
        busy = []
        for _ in range(draw(st.integers(0, 3))):
            b_start = start + timedelta(minutes=draw(st.integers(-120, 36 * 60)))
            busy.append((b_start, b_start + timedelta(minutes=draw(st.integers(0, 240)))))
        people[name] = Person(
            name=name,
            tz=draw(st.sampled_from(ZONES)),
            weekly=weekly,
            overrides=overrides,
            busy=tuple(busy),
        )
    required = tuple(draw(st.lists(st.sampled_from(names), max_size=2, unique=True)))
    groups = tuple(
        tuple(g)
        for g in draw(
            st.lists(
                st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True), max_size=2
            )
        )
    )
    if not required and not groups:
        required = (names[0],)
    query = SlotQuery(
        window_start=start,
        window_end=end,
        required=required,
        groups=groups,
        duration=timedelta(minutes=draw(st.sampled_from([15, 30, 45, 60, 90, 120]))),
        step=timedelta(minutes=draw(st.sampled_from([5, 15, 30, 60]))),
        now=start + timedelta(minutes=draw(st.integers(-600, 600))),
        min_notice=timedelta(minutes=draw(st.sampled_from([0, 0, 30, 240]))),
        buffer_before=timedelta(minutes=draw(st.sampled_from([0, 0, 10, 30]))),
        buffer_after=timedelta(minutes=draw(st.sampled_from([0, 0, 5, 15]))),
    )
    return people, query


@settings(max_examples=300, deadline=None)
@given(people_and_query())
def test_find_slots_matches_brute_force(case: tuple[dict[str, Person], SlotQuery]) -> None:
    people, query = case
    assert find_slots(people, query) == reference_slots(people, query)


@settings(max_examples=100, deadline=None)
@given(people_and_query(), st.integers(0, 200))
def test_recheck_matches_search(case: tuple[dict[str, Person], SlotQuery], k: int) -> None:
    people, query = case
    start = query.window_start + k * query.step
    assert is_slot_free(people, query, start) == (start in find_slots(people, query))


def test_reference_is_not_vacuous() -> None:
    """The reference finds slots on a plain day, so agreement above is not agreement on []."""
    person = Person(
        name="p", tz="Asia/Kathmandu", weekly={d: (DailyRange(540, 600),) for d in range(7)}
    )
    query = SlotQuery(
        window_start=DST_DAYS[0],
        window_end=DST_DAYS[0] + timedelta(days=1),
        duration=timedelta(minutes=30),
        step=timedelta(minutes=15),
        now=DST_DAYS[0] - timedelta(days=1),
        required=("p",),
    )
    expected = [
        datetime(2026, 3, 8, 3, 15, tzinfo=UTC),
        datetime(2026, 3, 8, 3, 30, tzinfo=UTC),
        datetime(2026, 3, 8, 3, 45, tzinfo=UTC),
    ]
    assert reference_slots({"p": person}, query) == expected == find_slots({"p": person}, query)
