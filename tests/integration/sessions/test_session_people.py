"""Who is in a session and which tools it may use: configured AND allowed meeting tools,
case engineers joining open sessions, start warnings, retrying a failed link or falling back."""

from __future__ import annotations

import pytest

from engage.api.routes.sessions import TOOLS_KEY
from engage.bootstrap import build_session_tools
from engage.config import Settings
from engage.domain.errors import Conflict
from engage.domain.meetings import MeetingTool
from engage.services import session_people as people
from engage.services.sessions import SessionTools
from tests.integration.conftest import World
from tests.support.meet_server import FakeGoogleCalendar

from .test_sessions_api import new_session, open_case, path, proposed_and_booked


def test_unconfigured_tools_are_neither_offered_nor_accepted(world: World) -> None:
    world.engage.extras[TOOLS_KEY] = bare = build_session_tools(Settings())
    case_id = open_case(world)
    with world.engage.uow() as uow:
        case = uow.cases.get(case_id)
        assert case is not None
        assert people.offered_tools(uow, bare, case) == [MeetingTool.CUSTOM]
        assert people.default_tool(uow, bare, case) is MeetingTool.CUSTOM
    r = world["engineer"].client.post(
        f"/api/v1/cases/{case_id}/sessions", json={"topic": "t", "tool": "google_meet"}
    )
    assert r.status_code == 422 and "Google Meet is not set up on this server" in r.text
    made = new_session(world, case_id, custom_url="https://meet.acme.example/support")
    assert made["tool"] == "custom"


def test_case_engineers_join_its_open_sessions(world: World, tools: SessionTools) -> None:
    case_id = open_case(world)
    session = new_session(world, case_id)
    manager = world["manager"].user
    r = world["engineer"].client.post(
        f"/api/v1/cases/{case_id}/assign",
        json={"assignee_id": world["engineer"].user.id, "engineer_ids": [manager.id]},
    )
    assert r.status_code == 200, r.text
    after = world["engineer"].client.get(path(case_id, session)).json()
    joined = [p for p in after["participants"] if p["email"] == manager.email.lower()]
    assert joined and joined[0]["required"] is False  # optional: a booked time never breaks


def test_a_failed_link_can_be_retried_or_replaced_by_the_customers_own(
    world: World, tools: SessionTools, google: FakeGoogleCalendar
) -> None:
    google.revoke_token()
    case_id, booked = proposed_and_booked(world)
    engineer = world["engineer"].user
    with world.engage.uow() as uow:
        record = uow.sessions.get(booked["id"])
        assert record is not None
        problem = people.link_problem(uow, record)
        assert problem is not None and problem.error  # the provider's reason, for the page
        with pytest.raises(Conflict, match="still could not be created"):
            people.retry_link(
                uow, world.engage.clock, tools, actor=engineer, case_id=case_id,
                session_id=booked["id"],
            )  # fmt: skip
        fixed = people.retry_link(
            uow, world.engage.clock, tools, actor=engineer, case_id=case_id,
            session_id=booked["id"], custom_url="https://meet.acme.example/room-7",
        )  # fmt: skip
    assert fixed.session.meeting is not None
    assert fixed.session.meeting.join_url == "https://meet.acme.example/room-7"
    assert fixed.session.tool is MeetingTool.CUSTOM


def test_starting_early_or_with_people_not_ready_warns(world: World, tools: SessionTools) -> None:
    _, booked = proposed_and_booked(world)
    with world.engage.uow() as uow:
        record = uow.sessions.get(booked["id"])
        assert record is not None and record.session.start is not None
        names = {p.email: p.name for p in record.session.participants}
        early = people.start_warnings(record, record.session.start.replace(year=2025), names)
        on_time = people.start_warnings(record, record.session.start, names)
    assert any("booked to start in" in w for w in early)
    assert not any("booked to start in" in w for w in on_time)
    assert any(w.startswith("not yet confirmed ready: ") and "admin_a" in w for w in on_time)
