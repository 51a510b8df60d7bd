"""The customer's own meeting tool: a link and dial-in text they supply, nothing to call."""

from __future__ import annotations

import httpx

from engage.adapters.meetings.errors import MeetingConfigError
from engage.domain.meetings import Meeting, MeetingRequest, MeetingTool


def check_join_url(url: str) -> str:
    """The URL, stripped, if it is an absolute http(s) link; otherwise MeetingConfigError."""
    url = url.strip()
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise MeetingConfigError(f"meeting link {url!r} is not a URL: {exc}") from exc
    if parsed.scheme not in {"https", "http"} or not parsed.host:
        raise MeetingConfigError(f"meeting link {url!r} must be an absolute http(s) URL")
    return url


class CustomLinkProvider:
    """MeetingProvider for a tool engage cannot drive: every meeting uses the supplied link."""

    def __init__(self, join_url: str, dial_in: str = "") -> None:
        self.join_url = check_join_url(join_url)
        self.dial_in = dial_in.strip()

    def create(self, request: MeetingRequest) -> Meeting:
        """The supplied link and dial-in text, as a Meeting."""
        return Meeting(MeetingTool.CUSTOM, self.join_url, "", self.dial_in)

    def update(self, meeting: Meeting, request: MeetingRequest) -> Meeting:
        """The link as currently supplied (the customer may have given a new one)."""
        return Meeting(MeetingTool.CUSTOM, self.join_url, meeting.provider_id, self.dial_in)

    def delete(self, meeting: Meeting) -> None:
        """Nothing to delete at a tool engage does not control."""
