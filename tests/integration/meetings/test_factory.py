"""The factory picks a provider per MeetingTool from settings; the customer's own link."""

from __future__ import annotations

import pytest

from engage.adapters.meetings import (
    CustomLinkProvider,
    GoogleMeetProvider,
    MeetingConfigError,
    ZoomProvider,
    build_meeting_provider,
)
from engage.config import Settings
from engage.domain.meetings import MeetingTool
from tests.support.meet_server import FakeGoogleCalendar
from tests.support.zoom_server import FakeZoom

from .conftest import REQUEST


def test_each_tool_from_settings(google: FakeGoogleCalendar, zoom: FakeZoom) -> None:
    settings = Settings(
        google_token="ya29.test-token",
        google_api_base=google.base_url,
        zoom_account_id="acct-1",
        zoom_client_id="client-1",
        zoom_client_secret="secret-1",
        zoom_api_base=zoom.base_url,
        zoom_oauth_base=zoom.base_url,
    )
    meet = build_meeting_provider(MeetingTool.GOOGLE_MEET, settings)
    assert isinstance(meet, GoogleMeetProvider)
    assert meet.create(REQUEST).tool is MeetingTool.GOOGLE_MEET
    zoom_provider = build_meeting_provider(MeetingTool.ZOOM, settings)
    assert isinstance(zoom_provider, ZoomProvider)
    assert zoom_provider.create(REQUEST).tool is MeetingTool.ZOOM
    custom = build_meeting_provider(
        MeetingTool.CUSTOM,
        settings,
        custom_url=" https://teams.example.com/l/meetup/123 ",
        custom_dial_in="+44 20 7946 0000, ID 123 456#",
    )
    assert isinstance(custom, CustomLinkProvider)
    made = custom.create(REQUEST)
    assert (made.tool, made.join_url, made.dial_in) == (
        MeetingTool.CUSTOM,
        "https://teams.example.com/l/meetup/123",
        "+44 20 7946 0000, ID 123 456#",
    )
    assert custom.update(made, REQUEST) == made
    custom.delete(made)


@pytest.mark.parametrize(
    ("tool", "kwargs", "message"),
    [
        (MeetingTool.GOOGLE_MEET, {}, "ENGAGE_GOOGLE_TOKEN"),
        (MeetingTool.ZOOM, {}, "ENGAGE_ZOOM_ACCOUNT_ID"),
        (MeetingTool.CUSTOM, {}, "meeting link"),
        (MeetingTool.CUSTOM, {"custom_url": "teams meeting 123"}, "absolute http"),
        (MeetingTool.CUSTOM, {"custom_url": "javascript:alert(1)"}, "absolute http"),
    ],
)
def test_missing_configuration(tool: MeetingTool, kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(MeetingConfigError, match=message):
        build_meeting_provider(tool, Settings(), **kwargs)
