"""Zoom meetings with a Server-to-Server OAuth app.

Token: ``POST {oauth_base}/oauth/token?grant_type=account_credentials&account_id=...`` with
HTTP basic auth (client id, client secret); the token lasts ``expires_in`` seconds (an hour)
and is reused until shortly before then, and fetched again once if the API answers 401.
Meetings: ``POST /v2/users/{userId}/meetings`` (type 2, scheduled), ``PATCH /v2/meetings/{id}``
and ``DELETE /v2/meetings/{id}``. Zoom has no idempotency key, so a failed create is not
retried on 5xx (it might have gone through); 429 is retried, since the request was refused.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import httpx

from engage.adapters.meetings.errors import (
    MeetingAuthError,
    MeetingNotFound,
    MeetingProviderError,
)
from engage.adapters.meetings.http import RetryPolicy, Sleep, error_text, send
from engage.domain.meetings import Meeting, MeetingRequest, MeetingTool

TOKEN_MARGIN = 60.0  # seconds before expiry at which a token is renewed
SCHEDULED = 2  # Zoom meeting type: a scheduled meeting


def _body(request: MeetingRequest) -> dict[str, Any]:
    minutes = math.ceil((request.end - request.start).total_seconds() / 60)
    return {
        "topic": request.topic[:200],
        "type": SCHEDULED,
        "start_time": request.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duration": minutes,
        "timezone": "UTC",
        "agenda": request.description[:2000],
        "settings": {
            "join_before_host": False,
            "waiting_room": True,
            "meeting_invitees": [{"email": e} for e in request.attendee_emails],
        },
    }


def meeting_from_zoom(data: dict[str, Any]) -> Meeting:
    """The Meeting a Zoom meeting object describes (first dial-in number, one-tap tel URI)."""
    mid = str(data["id"])
    numbers = data.get("settings", {}).get("global_dial_in_numbers", [])
    dial_in, extra = "", {"passcode": str(data.get("password", ""))}
    if numbers:
        first = numbers[0]
        pstn = str(data.get("pstn_password", ""))
        dial_in = f"{first['number']} ({first.get('country_name', first.get('country', ''))}), "
        dial_in += f"meeting ID {mid}" + (f", passcode {pstn}" if pstn else "")
        tail = f",,,,*{pstn}#" if pstn else ""
        extra["phone_uri"] = f"tel:{first['number'].replace(' ', '')},,{mid}#{tail}"
    if data.get("start_url"):
        extra["start_url"] = str(data["start_url"])
    return Meeting(
        MeetingTool.ZOOM, str(data["join_url"]), mid, dial_in, {k: v for k, v in extra.items() if v}
    )


class ZoomProvider:
    """MeetingProvider for Zoom, scheduling as one user of a Server-to-Server OAuth account."""

    def __init__(
        self,
        *,
        account_id: str,
        client_id: str,
        client_secret: str,
        api_base: str = "https://api.zoom.us",
        oauth_base: str = "https://zoom.us",
        user_id: str = "me",
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        sleep: Sleep = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._api = httpx.Client(
            base_url=api_base.rstrip("/") + "/v2", timeout=timeout, transport=transport
        )
        self._oauth = httpx.Client(
            base_url=oauth_base.rstrip("/"),
            timeout=timeout,
            auth=(client_id, client_secret),
            transport=transport,
        )
        self._account_id, self._user_id = account_id, user_id
        self._retry, self._sleep, self._clock = retry or RetryPolicy(), sleep, clock
        self._token: str | None = None
        self._expires_at = 0.0

    def close(self) -> None:
        """Close both HTTP connection pools."""
        self._api.close()
        self._oauth.close()

    def _fetch_token(self) -> str:
        params = {"grant_type": "account_credentials", "account_id": self._account_id}
        response = send(
            self._oauth,
            "POST",
            "/oauth/token",
            params=params,
            policy=self._retry,
            sleep=self._sleep,
            idempotent=True,
        )
        if response.status_code != 200:
            raise MeetingAuthError(
                f"Zoom token: {response.status_code} {error_text(response)}",
                provider_status=response.status_code,
            )
        data = response.json()
        self._token = str(data["access_token"])
        self._expires_at = self._clock() + float(data.get("expires_in", 3600)) - TOKEN_MARGIN
        return self._token

    def _bearer(self) -> str:
        if self._token is None or self._clock() >= self._expires_at:
            return self._fetch_token()
        return self._token

    def _call(self, method: str, path: str, *, idempotent: bool, **kwargs: Any) -> httpx.Response:
        """One API call; a 401 (expired or revoked token) gets one fresh token and one retry."""
        for fresh in (False, True):
            token = self._fetch_token() if fresh else self._bearer()
            response = send(
                self._api,
                method,
                path,
                policy=self._retry,
                sleep=self._sleep,
                idempotent=idempotent,
                headers={"Authorization": f"Bearer {token}"},
                **kwargs,
            )
            if response.status_code != 401:
                return response
        raise MeetingAuthError(
            f"Zoom {method} {path}: 401 {error_text(response)}", provider_status=401
        )

    @staticmethod
    def _fail(response: httpx.Response, doing: str) -> MeetingProviderError:
        text = f"Zoom {doing}: {response.status_code} {error_text(response)}"
        if response.status_code == 404:
            return MeetingNotFound(text, provider_status=404)
        if response.status_code == 403:
            return MeetingAuthError(text, provider_status=403)
        return MeetingProviderError(text, provider_status=response.status_code)

    def create(self, request: MeetingRequest) -> Meeting:
        """Schedule a meeting for the configured user and return its join link."""
        path = f"/users/{self._user_id}/meetings"
        response = self._call("POST", path, idempotent=False, json=_body(request))
        if response.status_code != 201:
            raise self._fail(response, "create meeting")
        return meeting_from_zoom(dict(response.json()))

    def update(self, meeting: Meeting, request: MeetingRequest) -> Meeting:
        """Change time, topic, agenda and invitees; Zoom keeps the same join link."""
        response = self._call(
            "PATCH", f"/meetings/{meeting.provider_id}", idempotent=True, json=_body(request)
        )
        if response.status_code != 204:
            raise self._fail(response, "update meeting")
        return meeting

    def delete(self, meeting: Meeting) -> None:
        """Delete the meeting; one already gone (404, code 3001) counts as deleted."""
        response = self._call("DELETE", f"/meetings/{meeting.provider_id}", idempotent=True)
        if response.status_code not in {200, 204, 404}:
            raise self._fail(response, "delete meeting")
