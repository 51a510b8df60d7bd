"""Business-time arithmetic in one IANA time zone: open windows per weekday, minus holidays.

Windows are written in local wall-clock time and turned into real instants day by day, so a
window that spans a DST change is as long as the clock on the wall says it was: 00:00-06:00 on
the night clocks spring forward holds five real hours, on the night they fall back seven.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Window = tuple[time, time]

#: A window ending at 00:00 ends at midnight at the close of its day (24:00).
MIDNIGHT = time(0, 0)

#: How far add() looks ahead before it gives up; guards a calendar with (almost) no open time.
_MAX_DAYS_AHEAD = 366 * 20


class BusinessHoursError(ValueError):
    """A business-hours calendar or an instant given to it is unusable."""


def _as_utc(at: datetime, what: str) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise BusinessHoursError(f"{what} must be timezone-aware, got naive {at.isoformat()}")
    return at.astimezone(UTC)


def _check_window(weekday: int, window: Window) -> None:
    start, end = window
    if start.tzinfo is not None or end.tzinfo is not None:
        raise BusinessHoursError(f"weekday {weekday}: window times must be naive wall-clock times")
    if end != MIDNIGHT and end <= start:
        raise BusinessHoursError(
            f"weekday {weekday}: window {start.isoformat()}-{end.isoformat()} ends before it "
            "starts; split an overnight window across two days"
        )


def _check_no_overlap(weekday: int, windows: tuple[Window, ...]) -> None:
    for (_, end), (start, _) in pairwise(windows):
        if end == MIDNIGHT or start < end:
            raise BusinessHoursError(f"weekday {weekday}: open windows overlap")


@dataclass(frozen=True)
class BusinessHours:
    """Weekly open windows (0=Monday) in time zone `tz`, closed on `holidays` (local dates)."""

    tz: str
    weekly: Mapping[int, tuple[Window, ...]]
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise BusinessHoursError(f"unknown time zone {self.tz!r}") from exc
        normalised: dict[int, tuple[Window, ...]] = {}
        for weekday, windows in self.weekly.items():
            if weekday not in range(7):
                raise BusinessHoursError(f"weekday must be 0 (Monday) to 6, got {weekday}")
            for window in windows:
                _check_window(weekday, window)
            ordered = tuple(sorted(windows))
            _check_no_overlap(weekday, ordered)
            normalised[weekday] = ordered
        if not any(normalised.values()):
            raise BusinessHoursError("business hours need at least one open window")
        object.__setattr__(self, "weekly", normalised)
        object.__setattr__(self, "holidays", frozenset(self.holidays))

    @classmethod
    def weekdays(
        cls,
        tz: str,
        start: time = time(9, 0),
        end: time = time(17, 0),
        holidays: frozenset[date] = frozenset(),
    ) -> BusinessHours:
        """Monday to Friday, one window from `start` to `end` each day."""
        return cls(tz=tz, weekly={day: ((start, end),) for day in range(5)}, holidays=holidays)

    @property
    def zone(self) -> ZoneInfo:
        """The calendar's time zone."""
        return ZoneInfo(self.tz)

    @property
    def _key(self) -> _CalendarKey:
        """Everything the open windows depend on, hashable (for the per-day cache)."""
        return (self.tz, tuple(sorted(self.weekly.items())), self.holidays)

    def _day_windows(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        """Open windows of one local date as UTC instants, in order."""
        return iter(_windows_of_day(self._key, day))

    def _windows_from(self, at: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open windows (UTC) that end after `at`, in order, for as far as the guard allows."""
        day = at.astimezone(self.zone).date() - timedelta(days=1)
        key = self._key
        for offset in range(_MAX_DAYS_AHEAD):
            for begin, finish in _windows_of_day(key, day + timedelta(days=offset)):
                if finish > at:
                    yield begin, finish
        raise BusinessHoursError(f"no open business time within {_MAX_DAYS_AHEAD} days")

    def is_open(self, at: datetime) -> bool:
        """Whether `at` falls inside an open window (start inclusive, end exclusive)."""
        instant = _as_utc(at, "at")
        begin, _finish = next(self._windows_from(instant))
        return begin <= instant

    def minutes_between(self, a: datetime, b: datetime) -> float:
        """Open business minutes from `a` to `b`; negative when `b` is before `a`.

        Days wholly inside the span add their (cached) open minutes; only the first and last
        local dates are clipped window by window, so a year-long span costs a year of lookups.
        """
        start, end = _as_utc(a, "a"), _as_utc(b, "b")
        if end < start:
            return -self.minutes_between(b, a)
        first = start.astimezone(self.zone).date()
        last = end.astimezone(self.zone).date()
        key = self._key
        total = timedelta()
        edges = {first - timedelta(days=1), first, last}
        for day in sorted(edges):
            for begin, finish in _windows_of_day(key, day):
                if finish > start and begin < end:
                    total += min(finish, end) - max(begin, start)
        day = first + timedelta(days=1)
        while day < last:
            total += _open_time_of_day(key, day)
            day += timedelta(days=1)
        return total.total_seconds() / 60.0

    def add(self, start: datetime, minutes: float) -> datetime:
        """The instant `minutes` open business minutes after `start` (returned in UTC)."""
        if minutes < 0:
            raise BusinessHoursError(f"minutes must not be negative, got {minutes}")
        instant = _as_utc(start, "start")
        if minutes == 0:
            return instant
        left = timedelta(minutes=minutes)
        for begin, finish in self._windows_from(instant):
            here = max(begin, instant)
            if finish - here >= left:
                return here + left
            left -= finish - here
        raise AssertionError("unreachable")  # pragma: no cover - _windows_from raises first


_CalendarKey = tuple[str, tuple[tuple[int, tuple[Window, ...]], ...], frozenset[date]]


@functools.lru_cache(maxsize=65536)
def _windows_of_day(key: _CalendarKey, day: date) -> tuple[tuple[datetime, datetime], ...]:
    """Open windows of one local date as UTC instants (cached: SLA clocks ask for the same
    days over and over, and a case open for a year spans hundreds of them)."""
    tz, weekly, holidays = key
    if day in holidays:
        return ()
    zone = ZoneInfo(tz)
    out = []
    for start, end in dict(weekly).get(day.weekday(), ()):
        begin = datetime.combine(day, start, tzinfo=zone)
        if end == MIDNIGHT:
            finish = datetime.combine(day + timedelta(days=1), MIDNIGHT, tzinfo=zone)
        else:
            finish = datetime.combine(day, end, tzinfo=zone)
        begin_utc, finish_utc = begin.astimezone(UTC), finish.astimezone(UTC)
        # A window inside a spring-forward gap maps to nothing (or backwards): skip it.
        if finish_utc > begin_utc:
            out.append((begin_utc, finish_utc))
    return tuple(out)


@functools.lru_cache(maxsize=65536)
def _open_time_of_day(key: _CalendarKey, day: date) -> timedelta:
    """Total open time of one local date."""
    return sum((f - b for b, f in _windows_of_day(key, day)), timedelta())
