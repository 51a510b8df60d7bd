"""Zoom provider against the loopback OAuth + meetings server."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from engage.adapters.meetings import (
    MeetingAuthError,
    MeetingNotFound,
    MeetingProviderError,
    MeetingRateLimited,
    ZoomProvider,
)
from engage.domain.meetings import MeetingTool
from tests.support.zoom_server import FakeZoom

from .conftest import REQUEST, Sleeps


class Clock:
    """A monotonic clock tests move by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def provider(
    server: FakeZoom, sleeps: Sleeps, clock: Clock | None = None, secret: str = "secret-1"
) -> ZoomProvider:
    return ZoomProvider(
        account_id="acct-1",
        client_id="client-1",
        client_secret=secret,
        api_base=server.base_url,
        oauth_base=server.base_url,
        sleep=sleeps,
        clock=clock or Clock(),
    )


def test_create_with_account_credentials(zoom: FakeZoom, sleeps: Sleeps) -> None:
    meeting = provider(zoom, sleeps).create(REQUEST)
    assert meeting.tool is MeetingTool.ZOOM
    assert meeting.join_url.startswith("https://zoom.us/j/" + meeting.provider_id)
    token, create = zoom.requests
    assert (token.method, token.path) == ("POST", "/oauth/token")
    assert token.query == {"grant_type": "account_credentials", "account_id": "acct-1"}
    assert token.headers["Authorization"].startswith("Basic ")
    assert (create.method, create.path) == ("POST", "/v2/users/me/meetings")
    assert create.body["type"] == 2 and create.body["duration"] == 45
    assert create.body["start_time"] == "2026-03-02T14:00:00Z" and create.body["timezone"] == "UTC"
    assert "+1 646 555 0199" in meeting.dial_in and "passcode 123456" in meeting.dial_in
    assert meeting.extra["phone_uri"] == f"tel:+16465550199,,{meeting.provider_id}#,,,,*123456#"


def test_update_and_delete(zoom: FakeZoom, sleeps: Sleeps) -> None:
    client = provider(zoom, sleeps)
    meeting = client.create(REQUEST)
    later = replace(
        REQUEST,
        start=REQUEST.start + timedelta(days=1),
        end=REQUEST.end + timedelta(days=1, minutes=15),
    )
    assert client.update(meeting, later) == meeting
    stored = zoom.meetings[meeting.provider_id]
    assert stored["start_time"] == "2026-03-03T14:00:00Z" and stored["duration"] == 60
    client.delete(meeting)
    assert meeting.provider_id not in zoom.meetings
    client.delete(meeting)  # 404 code 3001: already gone
    with pytest.raises(MeetingNotFound, match="Meeting does not exist"):
        client.update(meeting, later)
    assert zoom.tokens_issued == 1  # one token served every call


def test_token_renewed_before_expiry(zoom: FakeZoom, sleeps: Sleeps) -> None:
    clock = Clock()
    client = provider(zoom, sleeps, clock)
    client.create(REQUEST)
    clock.now += 3000
    client.create(REQUEST)
    assert zoom.tokens_issued == 1
    clock.now += 600  # past expires_in minus the margin
    client.create(REQUEST)
    assert zoom.tokens_issued == 2


def test_expired_token_on_the_server_is_refreshed_once(zoom: FakeZoom, sleeps: Sleeps) -> None:
    client = provider(zoom, sleeps)
    meeting = client.create(REQUEST)
    zoom.expire_tokens()
    client.update(meeting, REQUEST)
    assert zoom.tokens_issued == 2
    assert [r.path for r in zoom.requests][-3:] == [
        f"/v2/meetings/{meeting.provider_id}",
        "/oauth/token",
        f"/v2/meetings/{meeting.provider_id}",
    ]


def test_token_refused_for_good(zoom: FakeZoom, sleeps: Sleeps) -> None:
    with pytest.raises(MeetingAuthError, match="Invalid client_id or client_secret"):
        provider(zoom, sleeps, secret="wrong").create(REQUEST)
    client = provider(zoom, sleeps)
    client.create(REQUEST)
    zoom.fail_next(401, times=2, path_prefix="/v2")
    with pytest.raises(MeetingAuthError, match="Invalid access token"):
        client.create(REQUEST)


def test_429_retry_after(zoom: FakeZoom, sleeps: Sleeps) -> None:
    zoom.fail_next(429, times=1, retry_after="2", path_prefix="/v2")
    assert provider(zoom, sleeps).create(REQUEST).join_url
    assert sleeps == [2.0] and len(zoom.meetings) == 1
    zoom.fail_next(429, times=4, retry_after="1", path_prefix="/v2")
    with pytest.raises(MeetingRateLimited, match="rate limit"):
        provider(zoom, sleeps).create(REQUEST)


def test_5xx_create_is_not_retried_but_update_is(zoom: FakeZoom, sleeps: Sleeps) -> None:
    client = provider(zoom, sleeps)
    zoom.fail_next(500, path_prefix="/v2")
    with pytest.raises(MeetingProviderError, match="500") as caught:
        client.create(REQUEST)
    assert caught.value.provider_status == 500 and sleeps == []
    meeting = client.create(REQUEST)
    zoom.fail_next(502, times=2, path_prefix="/v2")
    client.update(meeting, REQUEST)
    assert len(sleeps) == 2


def test_validation_error_is_named(zoom: FakeZoom, sleeps: Sleeps) -> None:
    client = ZoomProvider(
        account_id="acct-1",
        client_id="client-1",
        client_secret="secret-1",
        api_base=zoom.base_url,
        oauth_base=zoom.base_url,
        user_id="nobody@x.test",
        sleep=sleeps,
    )
    with pytest.raises(MeetingNotFound, match="User does not exist"):
        client.create(REQUEST)
