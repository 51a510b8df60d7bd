"""SLA clocks: first response, next update and resolution, with pauses and business hours.

Every clock counts minutes only while the case is *active*: not waiting on the customer (the
clock pauses and resumes when the status changes back) and not resolved or closed (the clock
stops). With business hours, and a severity that is not worked around the clock, only open
business minutes in the plan's zone count.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum

from engage.domain.business_hours import BusinessHours
from engage.domain.cases import CaseStatus, Severity

#: Statuses in which no clock runs; waiting on the customer pauses, the others stop.
PAUSING = frozenset({CaseStatus.WAITING_ON_CUSTOMER})
STOPPING = frozenset({CaseStatus.RESOLVED, CaseStatus.CLOSED})

#: One business day in the standard plan: 09:00-17:00.
BUSINESS_DAY = 8 * 60

Span = tuple[datetime, datetime]


class SlaError(ValueError):
    """The plan or the case history given to the SLA maths is inconsistent."""


class ClockKind(StrEnum):
    """The three SLA clocks of a case."""

    FIRST_RESPONSE = "first_response"
    NEXT_UPDATE = "next_update"
    RESOLUTION = "resolution"


class ClockState(StrEnum):
    """Where a clock stands at `now`.

    STOPPED means not running and not due: the case is resolved or closed, or (next update
    only) support has not replied yet, so there is nothing to update.
    """

    RUNNING = "running"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    PAUSED = "paused"
    MET = "met"
    STOPPED = "stopped"


@dataclass(frozen=True)
class SlaTargets:
    """Target minutes per severity for each clock."""

    first_response: Mapping[Severity, int]
    next_update: Mapping[Severity, int]
    resolution: Mapping[Severity, int]

    def __post_init__(self) -> None:
        for kind in ClockKind:
            table = self._table(kind)
            missing = [s.value for s in Severity if s not in table]
            if missing:
                raise SlaError(f"{kind.value} targets missing for {', '.join(missing)}")
            for severity, minutes in table.items():
                if minutes <= 0:
                    raise SlaError(f"{kind.value} target for {severity} must be positive")

    def _table(self, kind: ClockKind) -> Mapping[Severity, int]:
        return {
            ClockKind.FIRST_RESPONSE: self.first_response,
            ClockKind.NEXT_UPDATE: self.next_update,
            ClockKind.RESOLUTION: self.resolution,
        }[kind]

    def target(self, kind: ClockKind, severity: Severity) -> int:
        """Target minutes of clock `kind` for `severity`."""
        return self._table(kind)[severity]


@dataclass(frozen=True)
class SupportPlan:
    """A customer's support plan: targets, optional business hours, 24x7 severities."""

    name: str
    targets: SlaTargets
    business_hours: BusinessHours | None = None
    around_the_clock: frozenset[Severity] = field(default_factory=lambda: frozenset({Severity.P1}))

    @classmethod
    def standard(cls, tz: str = "UTC") -> SupportPlan:
        """Defaults: P1 1h/4h/1d around the clock; P2-P4 in 09:00-17:00 weekday hours of `tz`."""
        day = BUSINESS_DAY
        targets = SlaTargets(
            first_response={Severity.P1: 60, Severity.P2: 240, Severity.P3: day, Severity.P4: day},
            next_update={
                Severity.P1: 240,
                Severity.P2: day,
                Severity.P3: 2 * day,
                Severity.P4: 5 * day,
            },
            resolution={
                Severity.P1: 24 * 60,
                Severity.P2: 5 * day,
                Severity.P3: 10 * day,
                Severity.P4: 20 * day,
            },
        )
        hours = BusinessHours.weekdays(tz, time(9, 0), time(17, 0))
        return cls(name="standard", targets=targets, business_hours=hours)

    def uses_business_hours(self, severity: Severity) -> bool:
        """Whether clocks of `severity` count only business minutes under this plan."""
        return self.business_hours is not None and severity not in self.around_the_clock


@dataclass(frozen=True)
class ClockStatus:
    """One clock at `now`.

    `due_at` is the projected due instant if the clock keeps running; for a breached clock it
    is the instant the target was reached; None when paused, stopped or met.
    `remaining_minutes` is negative once the target is exceeded (by how much).
    """

    kind: ClockKind
    state: ClockState
    due_at: datetime | None
    target_minutes: int
    elapsed_minutes: float
    remaining_minutes: float
    met_at: datetime | None


@dataclass(frozen=True)
class _Ruler:
    """Measures and advances time: wall-clock, or business minutes of a calendar."""

    hours: BusinessHours | None

    def minutes(self, a: datetime, b: datetime) -> float:
        if self.hours is None:
            return (b - a).total_seconds() / 60.0
        return self.hours.minutes_between(a, b)

    def advance(self, at: datetime, minutes: float) -> datetime:
        if self.hours is None:
            return at + timedelta(minutes=minutes)
        return self.hours.add(at, minutes)


def _utc(at: datetime, what: str) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise SlaError(f"{what} must be timezone-aware")
    return at.astimezone(UTC)


def _optional_utc(at: datetime | None, what: str, now: datetime) -> datetime | None:
    """UTC form of an event instant; an event after `now` has not happened yet."""
    if at is None:
        return None
    instant = _utc(at, what)
    return instant if instant <= now else None


def _timeline(
    opened_at: datetime, changes: Sequence[tuple[datetime, CaseStatus]], now: datetime
) -> list[tuple[datetime, CaseStatus]]:
    """Status from each instant on, starting NEW at opening; changes after `now` dropped."""
    timeline: list[tuple[datetime, CaseStatus]] = [(opened_at, CaseStatus.NEW)]
    for at, status in changes:
        instant = _utc(at, "status change time")
        if instant < timeline[-1][0]:
            raise SlaError("status changes must be in order and not before the case opened")
        if instant <= now:
            timeline.append((instant, CaseStatus(status)))
    return timeline


def _active_spans(timeline: list[tuple[datetime, CaseStatus]], now: datetime) -> list[Span]:
    """Spans up to `now` during which the case status lets clocks run."""
    spans: list[Span] = []
    ends = [at for at, _ in timeline[1:]] + [now]
    for (start, status), end in zip(timeline, ends, strict=True):
        if end > start and status not in PAUSING | STOPPING:
            spans.append((start, end))
    return spans


def _clip(spans: list[Span], start: datetime, end: datetime) -> list[Span]:
    return [(max(a, start), min(b, end)) for a, b in spans if b > start and a < end]


def _measure(pieces: list[Span], target: int, ruler: _Ruler) -> tuple[float, datetime | None]:
    """Elapsed minutes over `pieces` and the instant the target was reached, if it was."""
    elapsed, reached = 0.0, None
    for a, b in pieces:
        minutes = ruler.minutes(a, b)
        if reached is None and elapsed + minutes >= target:
            reached = ruler.advance(a, target - elapsed)
        elapsed += minutes
    return elapsed, reached


@dataclass(frozen=True)
class _Context:
    spans: list[Span]
    status_now: CaseStatus
    now: datetime
    ruler: _Ruler
    at_risk_fraction: float


def _clock(
    kind: ClockKind, target: int, start: datetime | None, met_at: datetime | None, ctx: _Context
) -> ClockStatus:
    """Status of one clock that runs from `start` until `met_at` (or `now`)."""
    if start is None:
        return ClockStatus(kind, ClockState.STOPPED, None, target, 0.0, float(target), None)
    elapsed, reached = _measure(_clip(ctx.spans, start, met_at or ctx.now), target, ctx.ruler)
    remaining = target - elapsed
    breached = elapsed > target
    if met_at is not None:
        state = ClockState.BREACHED if breached else ClockState.MET
        return ClockStatus(kind, state, None, target, elapsed, remaining, met_at)
    if breached:
        return ClockStatus(kind, ClockState.BREACHED, reached, target, elapsed, remaining, None)
    if ctx.status_now in PAUSING | STOPPING:
        state = ClockState.PAUSED if ctx.status_now in PAUSING else ClockState.STOPPED
        return ClockStatus(kind, state, None, target, elapsed, remaining, None)
    due = reached or ctx.ruler.advance(ctx.now, remaining)
    at_risk = elapsed >= ctx.at_risk_fraction * target
    state = ClockState.AT_RISK if at_risk else ClockState.RUNNING
    return ClockStatus(kind, state, due, target, elapsed, remaining, None)


def _targets(
    plan: SupportPlan, severity: Severity, adjust: Callable[[ClockKind, int], int] | None
) -> dict[ClockKind, int]:
    targets: dict[ClockKind, int] = {}
    for kind in ClockKind:
        minutes = plan.targets.target(kind, severity)
        if adjust is not None:
            minutes = adjust(kind, minutes)
            if minutes <= 0:
                raise SlaError(f"adjusted {kind.value} target must be positive, got {minutes}")
        targets[kind] = minutes
    return targets


def compute_clocks(
    *,
    plan: SupportPlan,
    severity: Severity,
    opened_at: datetime,
    status_changes: Sequence[tuple[datetime, CaseStatus]],
    first_response_at: datetime | None,
    last_support_update_at: datetime | None,
    resolved_at: datetime | None,
    now: datetime,
    at_risk_fraction: float = 0.75,
    adjust: Callable[[ClockKind, int], int] | None = None,
) -> dict[ClockKind, ClockStatus]:
    """State of the first-response, next-update and resolution clocks of a case at `now`."""
    if not 0.0 < at_risk_fraction <= 1.0:
        raise SlaError(f"at_risk_fraction must be in (0, 1], got {at_risk_fraction}")
    opened, current = _utc(opened_at, "opened_at"), _utc(now, "now")
    if current < opened:
        raise SlaError("now is before the case was opened")
    timeline = _timeline(opened, status_changes, current)
    hours = plan.business_hours if plan.uses_business_hours(severity) else None
    ctx = _Context(
        _active_spans(timeline, current), timeline[-1][1], current, _Ruler(hours), at_risk_fraction
    )
    targets = _targets(plan, severity, adjust)
    first = _optional_utc(first_response_at, "first_response_at", current)
    last = _optional_utc(last_support_update_at, "last_support_update_at", current)
    update_from = max((t for t in (first, last) if t is not None), default=None)
    resolved = _optional_utc(resolved_at, "resolved_at", current)
    return {
        ClockKind.FIRST_RESPONSE: _clock(
            ClockKind.FIRST_RESPONSE, targets[ClockKind.FIRST_RESPONSE], opened, first, ctx
        ),
        ClockKind.NEXT_UPDATE: _clock(
            ClockKind.NEXT_UPDATE, targets[ClockKind.NEXT_UPDATE], update_from, None, ctx
        ),
        ClockKind.RESOLUTION: _clock(
            ClockKind.RESOLUTION, targets[ClockKind.RESOLUTION], opened, resolved, ctx
        ),
    }
