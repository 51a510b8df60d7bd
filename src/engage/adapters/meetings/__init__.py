"""Meeting providers behind engage.services.ports.MeetingProvider, chosen by MeetingTool."""

from __future__ import annotations

from engage.adapters.meetings.custom import CustomLinkProvider
from engage.adapters.meetings.errors import (
    MeetingAuthError,
    MeetingConfigError,
    MeetingNotFound,
    MeetingProviderError,
    MeetingRateLimited,
)
from engage.adapters.meetings.google import GoogleMeetProvider
from engage.adapters.meetings.http import RetryPolicy
from engage.adapters.meetings.zoom import ZoomProvider
from engage.config import Settings
from engage.domain.meetings import MeetingTool
from engage.services.ports import MeetingProvider

__all__ = [
    "CustomLinkProvider",
    "GoogleMeetProvider",
    "MeetingAuthError",
    "MeetingConfigError",
    "MeetingNotFound",
    "MeetingProviderError",
    "MeetingRateLimited",
    "RetryPolicy",
    "ZoomProvider",
    "build_meeting_provider",
]


def build_meeting_provider(
    tool: MeetingTool,
    settings: Settings,
    *,
    custom_url: str | None = None,
    custom_dial_in: str = "",
    retry: RetryPolicy | None = None,
) -> MeetingProvider:
    """The provider for ``tool`` (per organisation or per session), configured from settings.

    Google needs ENGAGE_GOOGLE_TOKEN; Zoom needs ENGAGE_ZOOM_ACCOUNT_ID, _CLIENT_ID and
    _CLIENT_SECRET; the customer's own tool needs ``custom_url``.
    """
    if tool is MeetingTool.GOOGLE_MEET:
        if not settings.google_token:
            raise MeetingConfigError("Google Meet needs ENGAGE_GOOGLE_TOKEN")
        return GoogleMeetProvider(
            token=settings.google_token, api_base=settings.google_api_base, retry=retry
        )
    if tool is MeetingTool.ZOOM:
        account, client, secret = (
            settings.zoom_account_id,
            settings.zoom_client_id,
            settings.zoom_client_secret,
        )
        if not (account and client and secret):
            raise MeetingConfigError(
                "Zoom needs ENGAGE_ZOOM_ACCOUNT_ID, _CLIENT_ID and _CLIENT_SECRET"
            )
        return ZoomProvider(
            account_id=account,
            client_id=client,
            client_secret=secret,
            api_base=settings.zoom_api_base,
            oauth_base=settings.zoom_oauth_base,
            retry=retry,
        )
    if not custom_url:
        raise MeetingConfigError("the customer's own tool needs its meeting link")
    return CustomLinkProvider(custom_url, custom_dial_in)
