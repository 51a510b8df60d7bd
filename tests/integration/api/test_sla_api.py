"""SLA clocks through the API: business hours from the org's plan, and policy-adjusted targets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engage.domain.business_hours import BusinessHours
from engage.services.sla import plan_from_dict
from tests.integration.conftest import World

PLAN = {
    "name": "business",
    "targets": {
        "first_response": {"P1": 60, "P2": 120, "P3": 240, "P4": 480},
        "next_update": {"P1": 120, "P2": 480, "P3": 960, "P4": 2400},
        "resolution": {"P1": 1440, "P2": 2400, "P3": 4800, "P4": 9600},
    },
    "business_hours": {
        "tz": "America/New_York",
        "weekly": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    },
    "around_the_clock": ["P1"],
}


def _set_org(world: World, **fields: object) -> None:
    with world.engage.uow() as uow:
        org = uow.orgs.get(world.org_a)
        assert org is not None
        for k, v in fields.items():
            setattr(org, k, v)
        uow.commit()


def _clock(detail: dict, kind: str) -> dict:
    return next(c for c in detail["sla"] if c["kind"] == kind)


def test_business_hours_due_time_crosses_the_dst_weekend(world: World) -> None:
    # Friday 2026-03-06 16:00 New York (EST); DST starts Sunday 2026-03-08.
    world.engage.clock.at = datetime(2026, 3, 6, 21, 0, tzinfo=UTC)  # type: ignore[attr-defined]
    _set_org(world, plan=PLAN)
    r = world["admin_a"].client.post(
        "/api/v1/cases",
        json={"title": "Allocation totals off by a day", "description": "d", "severity": "P3"},
    )
    detail = r.json()["case"]
    fr = _clock(detail, "first_response")
    # 60 business minutes on Friday, 180 on Monday from 09:00 EDT (13:00 UTC) -> 12:00 EDT.
    assert fr["due_at"].startswith("2026-03-09T16:00:00")
    hours = plan_from_dict(PLAN).business_hours
    assert isinstance(hours, BusinessHours)
    assert datetime.fromisoformat(detail["sla_due_at"]) == datetime(2026, 3, 9, 16, 0, tzinfo=UTC)
    world.engage.clock.advance(days=3)  # type: ignore[attr-defined]
    page = (
        world["engineer"]
        .client.get("/api/v1/cases", params={"at_risk": "true", "org_id": world.org_a})
        .json()
    )
    assert detail["id"] in [i["id"] for i in page["items"]]
    assert (
        world["engineer"].client.get(f"/api/v1/cases/{detail['id']}").json()["sla_flag"]
        == "breached"
    )


def test_restricted_policy_stretches_resolution_not_first_response(world: World) -> None:
    body = {"title": "Cost allocation shows idle at 90%", "description": "d", "severity": "P1"}
    plain = world["admin_a"].client.post("/api/v1/cases", json=body).json()["case"]
    _set_org(world, policy={"data_sharing": "findings-only", "screen_sharing": False})
    strict = world["admin_a"].client.post("/api/v1/cases", json=body).json()["case"]
    assert strict["sla_notes"] and not plain["sla_notes"]
    assert (
        _clock(strict, "first_response")["target_minutes"]
        == _clock(plain, "first_response")["target_minutes"]
    )
    assert _clock(strict, "resolution")["target_minutes"] == round(
        _clock(plain, "resolution")["target_minutes"] * 1.5 + 120
    )
    assert any(e["kind"] == "sla_adjusted" for e in strict["timeline"])
    customer_view = world["member_a"].client.get(f"/api/v1/cases/{strict['id']}").json()
    assert any("findings" in n for n in customer_view["sla_notes"])
    due = datetime.fromisoformat(strict["sla_due_at"]) - datetime.fromisoformat(plain["sla_due_at"])
    assert due == timedelta(0)  # the earliest clock (first response) is unchanged
