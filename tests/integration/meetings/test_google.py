"""Google Meet provider against the loopback Calendar API server."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from engage.adapters.meetings import (
    GoogleMeetProvider,
    MeetingAuthError,
    MeetingNotFound,
    MeetingProviderError,
    MeetingRateLimited,
    RetryPolicy,
)
from engage.adapters.meetings.google import event_id
from engage.domain.meetings import MeetingTool
from tests.support.meet_server import FakeGoogleCalendar

from .conftest import REQUEST, Sleeps


def provider(server: FakeGoogleCalendar, sleeps: Sleeps, **kw: object) -> GoogleMeetProvider:
    return GoogleMeetProvider(token="ya29.test-token", api_base=server.base_url, sleep=sleeps, **kw)  # type: ignore[arg-type]


def test_create_asks_for_a_meet_conference(google: FakeGoogleCalendar, sleeps: Sleeps) -> None:
    meeting = provider(google, sleeps).create(REQUEST)
    assert meeting.tool is MeetingTool.GOOGLE_MEET
    assert meeting.join_url.startswith("https://meet.google.com/")
    assert meeting.provider_id == event_id(REQUEST.uid)
    assert meeting.extra["phone_uri"] == "tel:+1-650-555-0142" and "PIN:" in meeting.dial_in
    sent = google.requests[-1]
    assert (sent.method, sent.path) == ("POST", "/calendar/v3/calendars/primary/events")
    assert sent.query == {"conferenceDataVersion": "1", "sendUpdates": "none"}
    create = sent.body["conferenceData"]["createRequest"]
    assert create["conferenceSolutionKey"] == {"type": "hangoutsMeet"} and create["requestId"]
    assert sent.body["start"] == {"dateTime": "2026-03-02T14:00:00+00:00", "timeZone": "UTC"}
    assert [a["email"] for a in sent.body["attendees"]] == list(REQUEST.attendee_emails)
    stored = google.events[meeting.provider_id]
    assert stored["hangoutLink"] == meeting.join_url


def test_update_and_delete(google: FakeGoogleCalendar, sleeps: Sleeps) -> None:
    meet = provider(google, sleeps)
    meeting = meet.create(REQUEST)
    later = replace(
        REQUEST,
        start=REQUEST.start + timedelta(hours=1),
        end=REQUEST.end + timedelta(hours=1),
        attendee_emails=(*REQUEST.attendee_emails, "li@support.test"),
    )
    updated = meet.update(meeting, later)
    assert updated.join_url == meeting.join_url
    event = google.events[meeting.provider_id]
    assert event["start"]["dateTime"] == "2026-03-02T15:00:00+00:00" and event["sequence"] == 1
    assert google.requests[-1].method == "PATCH"
    assert "li@support.test" in [a["email"] for a in event["attendees"]]
    meet.delete(meeting)
    assert meeting.provider_id not in google.events
    meet.delete(meeting)  # 410 Gone: already deleted is fine
    with pytest.raises(MeetingNotFound):
        meet.update(meeting, later)


def test_429_retry_after_is_honoured(google: FakeGoogleCalendar, sleeps: Sleeps) -> None:
    google.fail_next(429, times=2, retry_after="3")
    meeting = provider(google, sleeps).create(REQUEST)
    assert meeting.join_url and sleeps == [3.0, 3.0]
    assert [r.method for r in google.requests] == ["POST", "POST", "POST"]


def test_403_rate_limit_reason_backs_off(google: FakeGoogleCalendar, sleeps: Sleeps) -> None:
    body = google.error_body(403, "User Rate Limit Exceeded")
    body["error"]["errors"][0]["reason"] = "userRateLimitExceeded"
    google.fail_next(403, body=body)
    provider(google, sleeps).create(REQUEST)
    assert sleeps == [0.5]


def test_rate_limit_is_bounded(google: FakeGoogleCalendar, sleeps: Sleeps) -> None:
    google.fail_next(429, times=10, retry_after="1")
    with pytest.raises(MeetingRateLimited, match="Rate Limit Exceeded"):
        provider(google, sleeps, retry=RetryPolicy(attempts=3)).create(REQUEST)
    assert sleeps == [1.0, 1.0]
    google.faults.clear()
    google.fail_next(429, retry_after="3600")  # longer than we are willing to wait
    with pytest.raises(MeetingRateLimited) as caught:
        provider(google, sleeps).create(REQUEST)
    assert caught.value.retry_after == 3600.0 and caught.value.status == 503


def test_5xx_insert_retry_is_idempotent(google: FakeGoogleCalendar, sleeps: Sleeps) -> None:
    google.fail_next(503)
    meeting = provider(google, sleeps).create(REQUEST)
    assert len(google.events) == 1 and meeting.provider_id in google.events
    # a retry of an insert that did go through meets 409 and reads the existing event
    again = provider(google, sleeps).create(REQUEST)
    assert again == meeting and len(google.events) == 1


def test_persistent_5xx_is_a_named_error(google: FakeGoogleCalendar, sleeps: Sleeps) -> None:
    google.fail_next(500, times=4)
    with pytest.raises(MeetingProviderError, match="500") as caught:
        provider(google, sleeps).create(REQUEST)
    assert caught.value.provider_status == 500 and len(sleeps) == 3


def test_pending_conference_is_polled(sleeps: Sleeps) -> None:
    with FakeGoogleCalendar(pending_polls=2) as server:
        meeting = provider(server, sleeps).create(REQUEST)
        assert meeting.join_url.startswith("https://meet.google.com/")
        assert [r.method for r in server.requests] == ["POST", "GET", "GET"]
        assert all(r.query == {"conferenceDataVersion": "1"} for r in server.requests[1:])


def test_bad_token(google: FakeGoogleCalendar, sleeps: Sleeps) -> None:
    google.revoke_token()
    with pytest.raises(MeetingAuthError, match="invalid authentication credentials"):
        provider(google, sleeps).create(REQUEST)
