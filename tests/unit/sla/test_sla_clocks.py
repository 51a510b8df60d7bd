"""SLA clocks: running, at risk, breached, met, met late, paused, stopped, business hours."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from engage.domain.business_hours import BusinessHours
from engage.domain.cases import CaseStatus, Severity
from engage.domain.sla import (
    ClockKind,
    ClockState,
    ClockStatus,
    SlaError,
    SlaTargets,
    SupportPlan,
    compute_clocks,
)

FR, NU, RES = ClockKind.FIRST_RESPONSE, ClockKind.NEXT_UPDATE, ClockKind.RESOLUTION
NY = ZoneInfo("America/New_York")
T0 = datetime(2024, 6, 3, 12, 0, tzinfo=UTC)  # a Monday
WAIT, SUPPORT = CaseStatus.WAITING_ON_CUSTOMER, CaseStatus.WAITING_ON_SUPPORT


def at(minutes: float) -> datetime:
    """T0 plus some wall-clock minutes."""
    return T0 + timedelta(minutes=minutes)


def flat_plan() -> SupportPlan:
    """24x7 plan with round numbers: 240 / 480 / 2400 minutes for every severity."""
    targets = SlaTargets(
        first_response=dict.fromkeys(Severity, 240),
        next_update=dict.fromkeys(Severity, 480),
        resolution=dict.fromkeys(Severity, 2400),
    )
    return SupportPlan(name="flat", targets=targets)


def clocks(
    now: datetime,
    changes: Sequence[tuple[datetime, CaseStatus]] = (),
    *,
    plan: SupportPlan | None = None,
    severity: Severity = Severity.P2,
    opened_at: datetime = T0,
    first: datetime | None = None,
    last: datetime | None = None,
    resolved: datetime | None = None,
    **kwargs: object,
) -> dict[ClockKind, ClockStatus]:
    """compute_clocks with defaults for the common case."""
    return compute_clocks(
        plan=plan or flat_plan(),
        severity=severity,
        opened_at=opened_at,
        status_changes=changes,
        first_response_at=first,
        last_support_update_at=last,
        resolved_at=resolved,
        now=now,
        **kwargs,  # type: ignore[arg-type]
    )


class TestFirstResponse:
    def test_running_with_projected_due(self) -> None:
        fr = clocks(at(100))[FR]
        assert fr.state is ClockState.RUNNING
        assert (fr.elapsed_minutes, fr.remaining_minutes, fr.target_minutes) == (100, 140, 240)
        assert fr.due_at == at(240)
        assert fr.met_at is None

    def test_at_risk_from_the_threshold_on(self) -> None:
        assert clocks(at(179))[FR].state is ClockState.RUNNING
        assert clocks(at(180))[FR].state is ClockState.AT_RISK  # 0.75 * 240
        assert clocks(at(120), at_risk_fraction=0.5)[FR].state is ClockState.AT_RISK

    def test_exactly_on_target_is_not_yet_breached(self) -> None:
        assert clocks(at(240))[FR].state is ClockState.AT_RISK

    def test_breached_keeps_due_at_when_target_was_reached(self) -> None:
        fr = clocks(at(300))[FR]
        assert fr.state is ClockState.BREACHED
        assert fr.due_at == at(240)
        assert fr.remaining_minutes == -60

    def test_met_in_time(self) -> None:
        fr = clocks(at(300), first=at(30))[FR]
        assert (fr.state, fr.met_at, fr.due_at, fr.elapsed_minutes) == (
            ClockState.MET,
            at(30),
            None,
            30,
        )

    def test_met_late_is_breached_with_met_at(self) -> None:
        fr = clocks(at(400), first=at(250))[FR]
        assert fr.state is ClockState.BREACHED
        assert fr.met_at == at(250)
        assert fr.elapsed_minutes == 250

    def test_reply_recorded_after_now_has_not_happened_yet(self) -> None:
        assert clocks(at(10), first=at(30))[FR].state is ClockState.RUNNING


class TestPauses:
    def test_waiting_on_customer_pauses_and_due_is_none(self) -> None:
        res = clocks(at(200), [(at(60), WAIT)], first=at(30))[RES]
        assert res.state is ClockState.PAUSED
        assert res.due_at is None
        assert res.elapsed_minutes == 60

    def test_resume_when_customer_replies(self) -> None:
        res = clocks(at(300), [(at(60), WAIT), (at(180), SUPPORT)], first=at(30))[RES]
        assert res.state is ClockState.RUNNING
        assert res.elapsed_minutes == 60 + 120
        assert res.due_at == at(300 + 2400 - 180)

    def test_several_pauses_add_up(self) -> None:
        changes = [
            (at(100), WAIT),
            (at(200), SUPPORT),
            (at(300), WAIT),
            (at(1000), SUPPORT),
            (at(1100), CaseStatus.SESSION_SCHEDULED),
            (at(1200), WAIT),
        ]
        res = clocks(at(5000), changes, first=at(10))[RES]
        assert res.state is ClockState.PAUSED
        assert res.elapsed_minutes == 100 + 100 + 200

    def test_first_response_pauses_too(self) -> None:
        fr = clocks(at(400), [(at(100), WAIT), (at(300), CaseStatus.TRIAGE)])[FR]
        assert fr.elapsed_minutes == 200
        assert fr.state is ClockState.AT_RISK
        assert fr.due_at == at(440)

    def test_breach_stays_visible_while_paused(self) -> None:
        fr = clocks(at(400), [(at(300), WAIT)])[FR]
        assert fr.state is ClockState.BREACHED
        assert fr.due_at == at(240)


class TestNextUpdate:
    def test_not_started_before_the_first_reply(self) -> None:
        nu = clocks(at(100))[NU]
        assert nu.state is ClockState.STOPPED and nu.due_at is None

    def test_runs_from_the_latest_support_update(self) -> None:
        nu = clocks(at(500), first=at(30), last=at(200))[NU]
        assert nu.elapsed_minutes == 300
        assert nu.due_at == at(680)

    def test_runs_from_first_response_without_later_updates(self) -> None:
        nu = clocks(at(430), first=at(30))[NU]
        assert nu.state is ClockState.AT_RISK
        assert nu.elapsed_minutes == 400
        assert nu.due_at == at(510)

    def test_support_reply_that_asks_the_customer_pauses_until_they_answer(self) -> None:
        nu = clocks(at(700), [(at(100), WAIT), (at(600), SUPPORT)], first=at(100))[NU]
        assert nu.elapsed_minutes == 100
        assert nu.state is ClockState.RUNNING


class TestStop:
    def test_resolution_met_and_other_clocks_stop(self) -> None:
        result = clocks(
            at(900), [(at(800), CaseStatus.RESOLVED)], first=at(10), last=at(500), resolved=at(800)
        )
        assert result[RES].state is ClockState.MET and result[RES].met_at == at(800)
        assert result[NU].state is ClockState.STOPPED
        assert result[NU].elapsed_minutes == 300

    def test_closed_without_reply_stops_first_response(self) -> None:
        fr = clocks(at(900), [(at(100), CaseStatus.CLOSED)])[FR]
        assert fr.state is ClockState.STOPPED and fr.elapsed_minutes == 100

    def test_reopened_case_resumes_resolution_without_the_resolved_gap(self) -> None:
        changes = [(at(100), CaseStatus.RESOLVED), (at(1000), CaseStatus.TRIAGE)]
        res = clocks(at(1100), changes, first=at(10))[RES]
        assert res.state is ClockState.RUNNING and res.elapsed_minutes == 200


class TestBusinessHours:
    def plan(self) -> SupportPlan:
        return SupportPlan.standard(tz="America/New_York")

    def test_p3_opened_friday_afternoon_is_due_monday(self) -> None:
        friday = datetime(2024, 6, 7, 16, 0, tzinfo=NY)
        fr = clocks(
            friday + timedelta(hours=3), plan=self.plan(), severity=Severity.P3, opened_at=friday
        )[FR]
        assert fr.elapsed_minutes == 60
        assert fr.due_at == datetime(2024, 6, 10, 16, 0, tzinfo=NY)

    def test_p1_ignores_business_hours(self) -> None:
        friday = datetime(2024, 6, 7, 16, 30, tzinfo=NY)
        fr = clocks(
            friday + timedelta(minutes=45), plan=self.plan(), severity=Severity.P1, opened_at=friday
        )[FR]
        assert fr.elapsed_minutes == 45
        assert fr.due_at == friday + timedelta(hours=1)

    def test_overnight_counts_nothing(self) -> None:
        evening = datetime(2024, 6, 4, 16, 0, tzinfo=NY)
        morning = datetime(2024, 6, 5, 10, 0, tzinfo=NY)
        fr = clocks(morning, plan=self.plan(), severity=Severity.P2, opened_at=evening)[FR]
        assert fr.elapsed_minutes == 120
        assert fr.state is ClockState.RUNNING

    def test_due_across_spring_forward(self) -> None:
        friday = datetime(2024, 3, 8, 16, 30, tzinfo=NY)
        fr = clocks(friday, plan=self.plan(), severity=Severity.P3, opened_at=friday)[FR]
        assert fr.due_at == datetime(2024, 3, 11, 20, 30, tzinfo=UTC)  # 16:30 EDT

    def test_pause_and_holiday_together(self) -> None:
        hours = BusinessHours.weekdays("America/New_York", holidays=frozenset({date(2024, 7, 4)}))
        plan = SupportPlan(name="us", targets=self.plan().targets, business_hours=hours)
        opened = datetime(2024, 7, 3, 9, 0, tzinfo=NY)
        changes = [
            (datetime(2024, 7, 3, 11, 0, tzinfo=NY), WAIT),
            (datetime(2024, 7, 3, 15, 0, tzinfo=NY), SUPPORT),
        ]
        res = clocks(
            datetime(2024, 7, 5, 10, 0, tzinfo=NY),
            changes,
            plan=plan,
            severity=Severity.P3,
            opened_at=opened,
            first=opened,
        )[RES]
        assert res.elapsed_minutes == 120 + 120 + 60


class TestAdjustAndValidation:
    def test_adjust_scales_targets(self) -> None:
        def halve(kind: ClockKind, minutes: int) -> int:
            return minutes // 2 if kind is FR else minutes

        result = clocks(at(130), adjust=halve)
        assert result[FR].target_minutes == 120 and result[FR].state is ClockState.BREACHED
        assert result[RES].target_minutes == 2400

    def test_adjust_must_keep_targets_positive(self) -> None:
        with pytest.raises(SlaError, match="positive"):
            clocks(at(10), adjust=lambda _kind, _minutes: 0)

    @pytest.mark.parametrize("fraction", [0.0, -0.1, 1.5])
    def test_bad_at_risk_fraction(self, fraction: float) -> None:
        with pytest.raises(SlaError, match="at_risk_fraction"):
            clocks(at(10), at_risk_fraction=fraction)

    def test_naive_now_is_refused(self) -> None:
        with pytest.raises(SlaError, match="timezone-aware"):
            clocks(datetime(2024, 6, 3, 13, 0))

    def test_now_before_opening_is_refused(self) -> None:
        with pytest.raises(SlaError, match="before the case was opened"):
            clocks(at(-5))

    def test_out_of_order_status_changes_are_refused(self) -> None:
        with pytest.raises(SlaError, match="in order"):
            clocks(at(100), [(at(50), WAIT), (at(20), SUPPORT)])

    def test_targets_must_cover_every_severity(self) -> None:
        with pytest.raises(SlaError, match="missing for P4"):
            SlaTargets(
                first_response={s: 60 for s in Severity if s is not Severity.P4},
                next_update=dict.fromkeys(Severity, 60),
                resolution=dict.fromkeys(Severity, 60),
            )

    def test_standard_plan_defaults(self) -> None:
        plan = SupportPlan.standard()
        assert plan.targets.target(FR, Severity.P1) == 60
        assert plan.targets.target(RES, Severity.P1) == 24 * 60
        assert plan.targets.target(FR, Severity.P4) == 480
        assert plan.uses_business_hours(Severity.P2)
        assert not plan.uses_business_hours(Severity.P1)
