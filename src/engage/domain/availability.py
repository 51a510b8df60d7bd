"""People's availability: weekly hours, date overrides and busy blocks, turned into UTC intervals.

Wall-clock hours are given in the person's IANA zone for a local date; busy blocks are instants.
Everything is converted once into sorted, merged, half-open UTC intervals held as integer
microseconds since the Unix epoch, so slot search is plain interval arithmetic.

Wall-clock times on DST days follow RFC 5545 (section 3.3.5), which is what ``zoneinfo`` does
with ``fold=0``:

- a time that does not exist (in the spring-forward gap) is read with the offset in force
  before the gap, so it lands that much later: 02:30 on 2026-03-08 in America/New_York is
  07:30Z, the instant the clocks show 03:30;
- a time that occurs twice (fall-back) means its first occurrence: 01:30 on 2026-11-01 in
  America/New_York is 05:30Z (EDT), not 06:30Z.

A range whose converted end is not after its converted start (possible only for a range that
starts inside a gap, such as 02:30-03:00 on a spring-forward day) is empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engage.domain.errors import ValidationFailed

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
MINUTES_PER_DAY = 24 * 60
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Span = tuple[int, int]
"""A half-open interval [start, end) in integer microseconds since the Unix epoch."""

_CLOCK = re.compile(r"^(\d{2}):(\d{2})$")


class AvailabilityError(ValidationFailed, ValueError):
    """Availability data that cannot be understood (bad zone, time, range or block)."""

    title = "Invalid availability"


def to_micros(instant: datetime) -> int:
    """Microseconds since the Unix epoch of a timezone-aware instant."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise AvailabilityError(f"instant {instant.isoformat()} has no time zone")
    return (instant - EPOCH) // MICROSECOND


def from_micros(micros: int) -> datetime:
    """The UTC instant at ``micros`` microseconds since the Unix epoch."""
    return EPOCH + timedelta(microseconds=micros)


def parse_clock(text: str) -> int:
    """Minutes after local midnight for ``HH:MM`` (``24:00`` allowed as an end of day)."""
    match = _CLOCK.match(text)
    if not match:
        raise AvailabilityError(f"time {text!r} is not HH:MM")
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59 or hours * 60 + minutes > MINUTES_PER_DAY:
        raise AvailabilityError(f"time {text!r} is out of range 00:00-24:00")
    return hours * 60 + minutes


@dataclass(frozen=True)
class DailyRange:
    """Wall-clock hours on one local date, as minutes after midnight; end may be 1440 (24:00)."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= MINUTES_PER_DAY:
            raise AvailabilityError(
                f"hours {_clock(self.start)}-{_clock(self.end)} must run forward within one day"
                " (split overnight hours at 24:00)"
            )

    @classmethod
    def parse(cls, start: str, end: str) -> DailyRange:
        """Build from two ``HH:MM`` strings."""
        return cls(parse_clock(start), parse_clock(end))


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class Person:
    """Someone who may join a session: zone, weekly hours, date overrides and busy blocks.

    ``weekly`` maps a weekday (0 = Monday) to its ranges; ``overrides`` maps a local date to
    ranges that replace that date's weekly hours (an empty tuple means unavailable all day);
    ``busy`` holds timezone-aware ``(start, end)`` instants.
    """

    name: str
    tz: str
    weekly: Mapping[int, tuple[DailyRange, ...]] = field(default_factory=dict)
    overrides: Mapping[date, tuple[DailyRange, ...]] = field(default_factory=dict)
    busy: tuple[tuple[datetime, datetime], ...] = ()

    def __post_init__(self) -> None:
        zone(self.tz)
        for day in self.weekly:
            if day not in range(7):
                raise AvailabilityError(f"{self.name}: weekday {day} is not 0 (Mon) to 6 (Sun)")
        for start, end in self.busy:
            if to_micros(end) < to_micros(start):
                raise AvailabilityError(f"{self.name}: busy block ends before it starts")

    @property
    def zone(self) -> ZoneInfo:
        """The person's time zone."""
        return zone(self.tz)

    def ranges_on(self, day: date) -> tuple[DailyRange, ...]:
        """The wall-clock ranges that apply on a local date (override first, else weekly)."""
        if day in self.overrides:
            return self.overrides[day]
        return self.weekly.get(day.weekday(), ())


def zone(name: str) -> ZoneInfo:
    """The IANA zone called ``name``, or AvailabilityError."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise AvailabilityError(f"unknown time zone {name!r}") from exc


def wall_to_micros(day: date, minutes: int, tz: ZoneInfo) -> int:
    """The instant of local wall-clock ``minutes`` after midnight on ``day`` (RFC 5545 rules)."""
    if minutes == MINUTES_PER_DAY:
        day, minutes = day + timedelta(days=1), 0
    local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=tz)  # fold=0
    return to_micros(local)


def merge(spans: Iterable[Span]) -> list[Span]:
    """Sort and merge half-open spans; touching spans join, empty ones vanish."""
    merged: list[Span] = []
    for start, end in sorted(s for s in spans if s[0] < s[1]):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def subtract(spans: list[Span], holes: list[Span]) -> list[Span]:
    """Spans minus holes; both sorted and merged."""
    result: list[Span] = []
    i = 0
    for start, end in spans:
        while i < len(holes) and holes[i][1] <= start:
            i += 1
        j, cursor = i, start
        while j < len(holes) and holes[j][0] < end:
            if holes[j][0] > cursor:
                result.append((cursor, holes[j][0]))
            cursor = max(cursor, holes[j][1])
            j += 1
        if cursor < end:
            result.append((cursor, end))
    return result


def intersect(left: list[Span], right: list[Span]) -> list[Span]:
    """Intersection of two sorted, merged span lists."""
    result: list[Span] = []
    i = j = 0
    while i < len(left) and j < len(right):
        start = max(left[i][0], right[j][0])
        end = min(left[i][1], right[j][1])
        if start < end:
            result.append((start, end))
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return result


def _local_dates(tz: ZoneInfo, start: int, end: int) -> Iterator[date]:
    """Every local date that can hold a range touching [start, end), with a day of margin."""
    first = from_micros(start).astimezone(tz).date() - timedelta(days=1)
    last = from_micros(end).astimezone(tz).date() + timedelta(days=1)
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def working_spans(person: Person, start: int, end: int) -> list[Span]:
    """The person's working hours that touch [start, end), as merged UTC spans."""
    tz = person.zone
    spans = [
        (wall_to_micros(day, r.start, tz), wall_to_micros(day, r.end, tz))
        for day in _local_dates(tz, start, end)
        for r in person.ranges_on(day)
    ]
    return [s for s in merge(spans) if s[1] > start and s[0] < end]


def busy_spans(person: Person) -> list[Span]:
    """The person's busy blocks as merged UTC spans."""
    return merge((to_micros(a), to_micros(b)) for a, b in person.busy)


def free_spans(person: Person, start: int, end: int) -> list[Span]:
    """Working hours minus busy blocks, for the part of time that touches [start, end)."""
    return subtract(working_spans(person, start, end), busy_spans(person))


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant with an offset or ``Z``; naive times are refused."""
    try:
        instant = datetime.fromisoformat(text)
    except (TypeError, ValueError) as exc:
        raise AvailabilityError(f"{text!r} is not an ISO 8601 instant") from exc
    if instant.tzinfo is None:
        raise AvailabilityError(f"instant {text!r} needs an offset or Z")
    return instant.astimezone(UTC)


def _is_pair(value: object) -> bool:
    return isinstance(value, list) and len(value) == 2 and all(isinstance(x, str) for x in value)


def _ranges(name: str, where: str, value: object) -> tuple[DailyRange, ...]:
    if not isinstance(value, list):
        raise AvailabilityError(f"{name}: {where} must be a list of [start, end] pairs")
    ranges = []
    for pair in value:
        if not _is_pair(pair):
            raise AvailabilityError(f'{name}: {where} has {pair!r}, not ["HH:MM", "HH:MM"]')
        ranges.append(DailyRange.parse(pair[0], pair[1]))
    return tuple(ranges)


def _weekly(name: str, value: object) -> dict[int, tuple[DailyRange, ...]]:
    if not isinstance(value, dict):
        raise AvailabilityError(f"{name}: weekly must map mon..sun to hours")
    unknown = set(value) - set(WEEKDAYS)
    if unknown:
        raise AvailabilityError(f"{name}: unknown weekday {sorted(unknown)[0]!r} (use mon..sun)")
    return {WEEKDAYS.index(day): _ranges(name, f"weekly.{day}", v) for day, v in value.items()}


def _overrides(name: str, value: object) -> dict[date, tuple[DailyRange, ...]]:
    if not isinstance(value, dict):
        raise AvailabilityError(f"{name}: overrides must map YYYY-MM-DD to hours")
    result = {}
    for key, hours in value.items():
        try:
            day = date.fromisoformat(key)
        except ValueError as exc:
            raise AvailabilityError(f"{name}: override date {key!r} is not YYYY-MM-DD") from exc
        result[day] = _ranges(name, f"overrides.{key}", hours)
    return result


def _busy(name: str, value: object) -> tuple[tuple[datetime, datetime], ...]:
    if not isinstance(value, list):
        raise AvailabilityError(f"{name}: busy must be a list of [start, end] instants")
    blocks = []
    for pair in value:
        if not _is_pair(pair):
            raise AvailabilityError(f"{name}: busy has {pair!r}, not [start, end]")
        blocks.append((parse_instant(pair[0]), parse_instant(pair[1])))
    return tuple(blocks)


def person_from_dict(name: str, data: Mapping[str, object]) -> Person:
    """A Person from the JSON shape ``{"tz", "weekly", "overrides", "busy"}``."""
    tz = data.get("tz")
    if not isinstance(tz, str):
        raise AvailabilityError(f"{name}: tz (an IANA zone name) is required")
    return Person(
        name=name,
        tz=tz,
        weekly=_weekly(name, data.get("weekly", {})),
        overrides=_overrides(name, data.get("overrides", {})),
        busy=_busy(name, data.get("busy", [])),
    )
