"""Slot search: the start instants at which every required person and one of each group is free.

A start ``t`` is offered when ``t = window.start + k * step`` for some integer ``k >= 0``,
``t >= now + min_notice``, ``[t, t + duration)`` lies in the window, and for every required
person and at least one member of each group ``[t - buffer_before, t + duration +
buffer_after)`` lies inside their working hours and overlaps none of their busy blocks.

Each person's free time is built once as UTC spans (see engage.domain.availability). A span
``[s, e)`` of free time admits exactly the starts in ``[s + before, e - duration - after]``, so
the answer is an intersection (required people) of unions (groups) of such closed ranges,
clipped to the window, and only then read off the grid. No per-slot or per-minute checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from engage.domain.availability import (
    MICROSECOND,
    AvailabilityError,
    Person,
    Span,
    free_spans,
    from_micros,
    intersect,
    merge,
    parse_instant,
    person_from_dict,
    to_micros,
)
from engage.domain.errors import Conflict

ZERO = timedelta(0)


class SlotQueryError(AvailabilityError):
    """A slot query that cannot be run (unknown person, empty group, bad duration or window)."""

    title = "Invalid slot query"


class SlotUnavailable(Conflict):
    """The chosen start is no longer free for everyone it needs (raised by booking re-checks)."""

    title = "Slot no longer available"


@dataclass(frozen=True)
class SlotQuery:
    """What to search for; instants are timezone-aware, durations are positive timedeltas."""

    window_start: datetime
    window_end: datetime
    duration: timedelta
    now: datetime
    required: tuple[str, ...] = ()
    groups: tuple[tuple[str, ...], ...] = ()
    step: timedelta = timedelta(minutes=15)
    min_notice: timedelta = ZERO
    buffer_before: timedelta = ZERO
    buffer_after: timedelta = ZERO

    def __post_init__(self) -> None:
        if self.duration <= ZERO or self.step <= ZERO:
            raise SlotQueryError("duration and step must be positive")
        if min(self.min_notice, self.buffer_before, self.buffer_after) < ZERO:
            raise SlotQueryError("minimum notice and buffers cannot be negative")
        if to_micros(self.window_end) <= to_micros(self.window_start):
            raise SlotQueryError("the window must end after it starts")
        to_micros(self.now)
        if not self.required and not self.groups:
            raise SlotQueryError("name at least one required person or group")
        if any(not group for group in self.groups):
            raise SlotQueryError("a group needs at least one member")

    def names(self) -> set[str]:
        """Everyone the query mentions."""
        return set(self.required).union(*self.groups)


def _micros(delta: timedelta) -> int:
    return delta // MICROSECOND


def _span_of_search(query: SlotQuery) -> Span:
    """The part of time any buffered slot can touch."""
    return (
        to_micros(query.window_start) - _micros(query.buffer_before),
        to_micros(query.window_end) + _micros(query.buffer_after),
    )


def start_ranges(free: list[Span], query: SlotQuery) -> list[Span]:
    """Closed ranges [lo, hi] of starts whose buffered slot fits in one free span."""
    before, after = _micros(query.buffer_before), _micros(query.buffer_after)
    length = _micros(query.duration)
    ranges = [(s + before, e - length - after) for s, e in free]
    return [(lo, hi) for lo, hi in ranges if lo <= hi]


def _as_half_open(ranges: list[Span]) -> list[Span]:
    """Closed integer ranges [lo, hi] as half-open [lo, hi + 1), so span helpers apply."""
    return [(lo, hi + 1) for lo, hi in ranges]


def _allowed_starts(people: Mapping[str, Person], query: SlotQuery) -> list[Span]:
    """Half-open spans of starts allowed by everyone's availability, notice and window."""
    lo = max(to_micros(query.window_start), to_micros(query.now) + _micros(query.min_notice))
    hi = to_micros(query.window_end) - _micros(query.duration)
    allowed: list[Span] = [(lo, hi + 1)] if lo <= hi else []
    search = _span_of_search(query)
    starts: dict[str, list[Span]] = {}

    def starts_of(name: str) -> list[Span]:
        if name not in starts:
            free = free_spans(people[name], *search)
            starts[name] = _as_half_open(start_ranges(free, query))
        return starts[name]

    for name in query.required:
        allowed = intersect(allowed, starts_of(name))
    for group in query.groups:
        either = merge(span for member in group for span in starts_of(member))
        allowed = intersect(allowed, either)
    return allowed


def _check_people(people: Mapping[str, Person], query: SlotQuery) -> None:
    missing = sorted(query.names() - set(people))
    if missing:
        raise SlotQueryError(f"no availability given for: {', '.join(missing)}")


def find_slots(people: Mapping[str, Person], query: SlotQuery) -> list[datetime]:
    """Every offered start instant (UTC, ascending) for the query."""
    _check_people(people, query)
    origin, step = to_micros(query.window_start), _micros(query.step)
    slots: list[datetime] = []
    for lo, end in _allowed_starts(people, query):
        k = -((origin - lo) // step)  # ceil((lo - origin) / step)
        t = origin + k * step
        while t < end:
            slots.append(from_micros(t))
            t += step
    return slots


def is_slot_free(people: Mapping[str, Person], query: SlotQuery, start: datetime) -> bool:
    """Whether ``start`` would be offered by ``find_slots`` (the booking re-check)."""
    _check_people(people, query)
    t = to_micros(start)
    if (t - to_micros(query.window_start)) % _micros(query.step):
        return False
    return any(lo <= t < end for lo, end in _allowed_starts(people, query))


def ensure_slot_free(people: Mapping[str, Person], query: SlotQuery, start: datetime) -> None:
    """Raise SlotUnavailable unless ``start`` is still offered (call inside the booking lock)."""
    if not is_slot_free(people, query, start):
        raise SlotUnavailable(f"{start.isoformat()} is no longer free for everyone needed")


def _minutes(data: Mapping[str, object], key: str, default: int | None = None) -> timedelta:
    value = data.get(key, default)
    if value is None:
        raise SlotQueryError(f"{key} is required")
    if isinstance(value, bool) or not isinstance(value, int):
        raise SlotQueryError(f"{key} must be a whole number of minutes")
    return timedelta(minutes=value)


def _names(value: object, what: str) -> tuple[str, ...]:
    if not (isinstance(value, list) and all(isinstance(x, str) for x in value)):
        raise SlotQueryError(f"{what} must be a list of names")
    return tuple(value)


def query_from_dict(data: Mapping[str, object], *, now: datetime) -> SlotQuery:
    """A SlotQuery from the ``engage slots`` JSON shape; ``now`` is used when it has none."""
    window = data.get("window")
    if not (isinstance(window, dict) and {"start", "end"} <= set(window)):
        raise SlotQueryError("window {start, end} is required")
    groups = data.get("groups", [])
    if not isinstance(groups, list):
        raise SlotQueryError("groups must be a list of lists of names")
    buffer = _minutes(data, "buffer_minutes", 0)
    given_now = data.get("now")
    return SlotQuery(
        window_start=parse_instant(str(window["start"])),
        window_end=parse_instant(str(window["end"])),
        duration=_minutes(data, "duration_minutes"),
        step=_minutes(data, "step_minutes", 15),
        now=parse_instant(given_now) if isinstance(given_now, str) else now,
        min_notice=_minutes(data, "min_notice_minutes", 0),
        buffer_before=_minutes(data, "buffer_before_minutes", buffer // timedelta(minutes=1)),
        buffer_after=_minutes(data, "buffer_after_minutes", buffer // timedelta(minutes=1)),
        required=_names(data.get("required", []), "required"),
        groups=tuple(_names(g, "each group") for g in groups),
    )


def people_from_dict(data: Mapping[str, object]) -> dict[str, Person]:
    """The ``people`` object of the ``engage slots`` JSON shape, as Person values by name."""
    people = data.get("people", {})
    if not isinstance(people, dict):
        raise SlotQueryError("people must map names to availability")
    result = {}
    for name, spec in people.items():
        if not isinstance(spec, dict):
            raise SlotQueryError(f"{name}: availability must be an object")
        result[name] = person_from_dict(name, spec)
    return result
