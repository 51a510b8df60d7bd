"""Google Meet links through the Calendar API (events.insert with conferenceData).

``events.insert`` with ``conferenceData.createRequest`` of type ``hangoutsMeet`` and the query
parameter ``conferenceDataVersion=1`` (without it Google silently drops the request) creates an
event with a Meet link; ``events.patch`` changes it; ``events.delete`` removes it. Updates go
out with ``sendUpdates=none`` because engage sends its own invites.

Inserts carry a client-chosen event id derived from the session UID, so retrying an insert
after a 5xx or a dropped connection cannot create a second event: a 409 "duplicate" means the
first attempt got through, and the event is fetched instead. Conference creation may be
asynchronous (``status.statusCode == "pending"``); the event is then re-read a few times.
"""

from __future__ import annotations

import base64
import hashlib
import time
from typing import Any
from urllib.parse import quote

import httpx

from engage.adapters.meetings.errors import (
    MeetingAuthError,
    MeetingNotFound,
    MeetingProviderError,
)
from engage.adapters.meetings.http import RetryPolicy, Sleep, error_text, send
from engage.domain.meetings import Meeting, MeetingRequest, MeetingTool

RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}
PENDING_POLLS = 5


def event_id(uid: str) -> str:
    """A Calendar event id for a session UID: base32hex (a-v, 0-9), stable, 32 characters."""
    digest = hashlib.sha256(uid.encode()).digest()[:20]
    return base64.b32hexencode(digest).decode().lower()


def _throttled(response: httpx.Response) -> bool:
    """429, or Calendar's 403 with a rate-limit reason."""
    if response.status_code == 429:
        return True
    if response.status_code != 403:
        return False
    try:
        errors = response.json()["error"]["errors"]
    except (ValueError, KeyError, TypeError):
        return False
    return any(e.get("reason") in RATE_REASONS for e in errors if isinstance(e, dict))


def _when(request: MeetingRequest) -> dict[str, Any]:
    return {
        "start": {"dateTime": request.start.isoformat(), "timeZone": "UTC"},
        "end": {"dateTime": request.end.isoformat(), "timeZone": "UTC"},
    }


def _details(request: MeetingRequest) -> dict[str, Any]:
    return {
        "summary": request.topic,
        "description": request.description,
        "attendees": [{"email": e} for e in request.attendee_emails],
        **_when(request),
    }


def _entry(data: dict[str, Any], kind: str) -> dict[str, Any]:
    for entry in data.get("conferenceData", {}).get("entryPoints", []):
        if entry.get("entryPointType") == kind:
            return dict(entry)
    return {}


def meeting_from_event(data: dict[str, Any]) -> Meeting:
    """The Meeting an event with Meet conference data describes."""
    video, phone = _entry(data, "video"), _entry(data, "phone")
    join_url = data.get("hangoutLink") or video.get("uri")
    if not join_url:
        raise MeetingProviderError(f"event {data.get('id')} has no Meet link")
    dial_in = ""
    if phone:
        dial_in = f"{phone.get('label') or phone.get('uri', '')} PIN: {phone.get('pin', '')}#"
    extra = {
        "phone_uri": str(phone.get("uri", "")),
        "conference_id": str(data.get("conferenceData", {}).get("conferenceId", "")),
        "html_link": str(data.get("htmlLink", "")),
    }
    return Meeting(
        MeetingTool.GOOGLE_MEET,
        join_url,
        str(data["id"]),
        dial_in,
        {k: v for k, v in extra.items() if v},
    )


class GoogleMeetProvider:
    """MeetingProvider for Google Meet, acting on one calendar with an OAuth access token."""

    def __init__(
        self,
        *,
        token: str,
        api_base: str = "https://www.googleapis.com",
        calendar_id: str = "primary",
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        sleep: Sleep = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._client = httpx.Client(
            base_url=api_base.rstrip("/") + f"/calendar/v3/calendars/{quote(calendar_id, safe='')}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
            transport=transport,
        )
        self._retry = retry or RetryPolicy()
        self._sleep = sleep

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return send(
            self._client,
            method,
            path,
            policy=self._retry,
            sleep=self._sleep,
            idempotent=True,
            throttled=_throttled,
            **kwargs,
        )

    def _fail(self, response: httpx.Response, doing: str) -> MeetingProviderError:
        text = f"Google Calendar {doing}: {response.status_code} {error_text(response)}"
        status = response.status_code
        if status in {401, 403}:
            return MeetingAuthError(text, provider_status=status)
        if status in {404, 410}:
            return MeetingNotFound(text, provider_status=status)
        return MeetingProviderError(text, provider_status=status)

    def _get(self, eid: str) -> dict[str, Any]:
        response = self._send("GET", f"/events/{eid}", params={"conferenceDataVersion": 1})
        if response.status_code != 200:
            raise self._fail(response, "events.get")
        return dict(response.json())

    def _settled(self, data: dict[str, Any]) -> dict[str, Any]:
        """Wait out an asynchronous conference creation."""
        for attempt in range(PENDING_POLLS + 1):
            status = data.get("conferenceData", {}).get("createRequest", {}).get("status", {})
            code = status.get("statusCode", "success")
            if code == "success":
                return data
            if code == "failure" or attempt == PENDING_POLLS:
                raise MeetingProviderError(f"Meet conference for event {data['id']} is {code}")
            self._sleep(self._retry.backoff * 2**attempt)
            data = self._get(str(data["id"]))
        raise AssertionError("unreachable")

    def create(self, request: MeetingRequest) -> Meeting:
        """Insert an event with a new Meet conference and return its link."""
        eid = event_id(request.uid)
        body = {
            "id": eid,
            **_details(request),
            "conferenceData": {
                "createRequest": {
                    "requestId": f"engage-{eid}",
                    "conferenceSolutionKey": {"type": "hangoutsMeet"},
                }
            },
        }
        params = {"conferenceDataVersion": 1, "sendUpdates": "none"}
        response = self._send("POST", "/events", params=params, json=body)
        if response.status_code == 409:  # an earlier attempt of this very insert got through
            return meeting_from_event(self._settled(self._get(eid)))
        if response.status_code != 200:
            raise self._fail(response, "events.insert")
        return meeting_from_event(self._settled(dict(response.json())))

    def update(self, meeting: Meeting, request: MeetingRequest) -> Meeting:
        """Patch the event's time, topic, description and attendees; the link stays."""
        params = {"conferenceDataVersion": 1, "sendUpdates": "none"}
        response = self._send(
            "PATCH", f"/events/{meeting.provider_id}", params=params, json=_details(request)
        )
        if response.status_code != 200:
            raise self._fail(response, "events.patch")
        return meeting_from_event(dict(response.json()))

    def delete(self, meeting: Meeting) -> None:
        """Delete the event; one already gone counts as deleted."""
        response = self._send(
            "DELETE", f"/events/{meeting.provider_id}", params={"sendUpdates": "none"}
        )
        if response.status_code not in {200, 204, 404, 410}:
            raise self._fail(response, "events.delete")
