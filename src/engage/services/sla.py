"""Apply the SLA maths to a case: read the organisation's plan, store due instants for queues."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from engage.domain.business_hours import BusinessHours
from engage.domain.cases import Case, CaseStatus, Severity, SlaFlag
from engage.domain.errors import ValidationFailed
from engage.domain.policy import policy_from_dict
from engage.domain.sla import (
    ClockKind,
    ClockState,
    ClockStatus,
    SlaTargets,
    SupportPlan,
    compute_clocks,
)

AT_RISK_FRACTION = 0.75
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RUNNING = {ClockState.RUNNING, ClockState.AT_RISK, ClockState.BREACHED}


def _hours_from_dict(raw: Mapping[str, Any]) -> BusinessHours:
    weekly: dict[int, tuple[tuple[time, time], ...]] = {}
    for day, windows in dict(raw.get("weekly", {})).items():
        if day not in _DAYS:
            raise ValidationFailed(f"unknown weekday {day!r}; use {', '.join(_DAYS)}")
        weekly[_DAYS.index(day)] = tuple(
            (time.fromisoformat(a), time.fromisoformat(b)) for a, b in windows
        )
    holidays = frozenset(date.fromisoformat(d) for d in raw.get("holidays", []))
    return BusinessHours(tz=str(raw.get("tz", "UTC")), weekly=weekly, holidays=holidays)


def plan_from_dict(raw: Mapping[str, Any] | None) -> SupportPlan:
    """An organisation's plan from its stored JSON; the standard plan when none is set."""
    if not raw:
        return SupportPlan.standard()
    try:
        targets = raw["targets"]
        parsed = SlaTargets(
            **{
                kind: {Severity(k): int(v) for k, v in targets[kind].items()}
                for kind in ("first_response", "next_update", "resolution")
            }
        )
        hours = _hours_from_dict(raw["business_hours"]) if raw.get("business_hours") else None
        atc = frozenset(Severity(s) for s in raw.get("around_the_clock", ["P1"]))
        return SupportPlan(
            name=str(raw.get("name", "custom")),
            targets=parsed,
            business_hours=hours,
            around_the_clock=atc,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationFailed(f"invalid support plan: {exc}") from exc


def plan_to_dict(plan: SupportPlan) -> dict[str, Any]:
    """The JSON form of a plan (what plan_from_dict reads)."""
    t = plan.targets
    out: dict[str, Any] = {
        "name": plan.name,
        "targets": {
            "first_response": {s.value: m for s, m in t.first_response.items()},
            "next_update": {s.value: m for s, m in t.next_update.items()},
            "resolution": {s.value: m for s, m in t.resolution.items()},
        },
        "around_the_clock": sorted(s.value for s in plan.around_the_clock),
    }
    if plan.business_hours:
        bh = plan.business_hours
        out["business_hours"] = {
            "tz": bh.tz,
            "weekly": {
                _DAYS[d]: [[a.isoformat("minutes"), b.isoformat("minutes")] for a, b in w]
                for d, w in bh.weekly.items()
            },
            "holidays": sorted(d.isoformat() for d in bh.holidays),
        }
    return out


Adjust = Callable[[ClockKind, int], int]


def policy_adjust(policy: Mapping[str, Any] | None, severity: Severity) -> Adjust | None:
    """Stretch targets as the organisation's security policy says (None when it changes nothing)."""
    parsed = policy_from_dict(policy)
    if not parsed.restrictions():
        return None
    return lambda kind, minutes: parsed.adjust_target(kind.value, severity, minutes)


def clocks_for(
    case: Case,
    plan: SupportPlan,
    history: list[tuple[datetime, CaseStatus]],
    now: datetime,
    adjust: Adjust | None = None,
) -> dict[ClockKind, ClockStatus]:
    """The three clocks of `case` at `now`."""
    assert case.created_at is not None
    return compute_clocks(
        plan=plan,
        severity=Severity(case.severity),
        opened_at=case.created_at,
        status_changes=history,
        first_response_at=case.first_response_at,
        last_support_update_at=case.last_support_update_at,
        resolved_at=case.resolved_at,
        now=now,
        at_risk_fraction=AT_RISK_FRACTION,
        adjust=adjust,
    )


def _at_risk_at(
    clock: ClockStatus, plan: SupportPlan, severity: Severity, now: datetime
) -> datetime:
    """When a running clock crosses the at-risk line (now, if it already has)."""
    to_risk = AT_RISK_FRACTION * clock.target_minutes - clock.elapsed_minutes
    if to_risk <= 0:
        return now
    if plan.uses_business_hours(severity) and plan.business_hours is not None:
        return plan.business_hours.add(now, to_risk)
    return now + timedelta(minutes=to_risk)


def refresh_sla(
    case: Case,
    plan: SupportPlan,
    history: list[tuple[datetime, CaseStatus]],
    now: datetime,
    adjust: Adjust | None = None,
) -> dict[ClockKind, ClockStatus]:
    """Recompute the clocks and store their projections on the case's indexed columns.

    The projections stay true until the next event on the case: a running clock advances
    at the same rate as the wall (or business) clock, and a paused one has no due instant.
    """
    clocks = clocks_for(case, plan, history, now, adjust)
    severity = Severity(case.severity)

    def due(kind: ClockKind) -> datetime | None:
        c = clocks[kind]
        return c.due_at if c.state in _RUNNING else None

    case.first_response_due_at = due(ClockKind.FIRST_RESPONSE)
    case.next_update_due_at = due(ClockKind.NEXT_UPDATE)
    case.resolution_due_at = due(ClockKind.RESOLUTION)
    running = [c for c in clocks.values() if c.state in _RUNNING and c.due_at is not None]
    case.sla_due_at = min((c.due_at for c in running if c.due_at), default=None)
    case.sla_at_risk_at = min((_at_risk_at(c, plan, severity, now) for c in running), default=None)
    states = {c.state for c in clocks.values()}
    if ClockState.BREACHED in {c.state for c in running}:
        case.sla_flag = SlaFlag.BREACHED
    elif ClockState.AT_RISK in states:
        case.sla_flag = SlaFlag.AT_RISK
    elif running:
        case.sla_flag = SlaFlag.OK
    elif ClockState.PAUSED in states:
        case.sla_flag = SlaFlag.PAUSED
    else:
        case.sla_flag = SlaFlag.NONE
    return clocks


def live_flag(case: Case, now: datetime) -> SlaFlag:
    """The SLA flag at `now` from the stored projections (they stay true between events)."""
    flag = SlaFlag(case.sla_flag)
    if flag in (SlaFlag.PAUSED, SlaFlag.NONE, SlaFlag.BREACHED):
        return flag
    if case.sla_due_at is not None and case.sla_due_at <= now:
        return SlaFlag.BREACHED
    if case.sla_at_risk_at is not None and case.sla_at_risk_at <= now:
        return SlaFlag.AT_RISK
    return flag
