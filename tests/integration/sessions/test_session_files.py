"""The .ics download use case the portal calls: visibility, no-time refusals, REQUEST/CANCEL."""

from __future__ import annotations

import icalendar
import pytest

from engage.adapters.calendar.ics import IcsFiles
from engage.domain.errors import NotFound
from engage.services.session_files import session_invite_file
from engage.services.sessions import SessionTools
from tests.integration.conftest import World
from tests.support.meet_server import FakeGoogleCalendar

from .test_sessions_api import new_session, open_case, path, proposed_and_booked


def _file(world: World, who: str, case_id: int, session_id: int) -> tuple[str, bytes, str]:
    with world.engage.uow() as uow:
        file = session_invite_file(
            uow,
            world.engage.calendar,
            actor=world[who].user,
            case_id=case_id,
            session_id=session_id,
            stamp=world.engage.clock.now(),
        )
    return file.media_type, file.data, file.filename


def test_the_container_writes_ics_files(world: World) -> None:
    assert isinstance(world.engage.calendar, IcsFiles)


def test_booked_then_cancelled_session_file(
    world: World, tools: SessionTools, google: FakeGoogleCalendar
) -> None:
    case_id, booked = proposed_and_booked(world)
    media, data, name = _file(world, "admin_a", case_id, booked["id"])
    assert media == 'text/calendar; charset="utf-8"; method=REQUEST'
    assert name == f"session-{booked['id']}.ics"
    assert icalendar.Calendar.from_ical(data)["METHOD"] == "REQUEST"
    r = world["engineer"].client.post(path(case_id, booked, "cancel"), json={})
    assert r.status_code == 200, r.text
    media, data, _ = _file(world, "admin_a", case_id, booked["id"])
    assert media.endswith("method=CANCEL")
    assert icalendar.Calendar.from_ical(data)["METHOD"] == "CANCEL"


def test_no_file_without_a_time_or_for_another_organisation(
    world: World, tools: SessionTools, google: FakeGoogleCalendar
) -> None:
    case_id = open_case(world)
    session = new_session(world, case_id)
    with pytest.raises(NotFound, match="no time yet"):
        _file(world, "admin_a", case_id, session["id"])
    case_id, booked = proposed_and_booked(world)
    with pytest.raises(NotFound):
        _file(world, "admin_b", case_id, booked["id"])
    with pytest.raises(NotFound, match="not found"):
        _file(world, "admin_a", case_id, 999_999)
