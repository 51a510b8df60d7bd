"""Named errors of the meeting providers (``status`` is what engage's own API answers)."""

from __future__ import annotations

from engage.domain.errors import EngageError


class MeetingProviderError(EngageError):
    """The provider could not create, change or delete a meeting."""

    status = 502
    title = "Meeting provider failed"

    def __init__(self, message: str, *, provider_status: int | None = None) -> None:
        super().__init__(message)
        self.provider_status = provider_status


class MeetingConfigError(MeetingProviderError):
    """Credentials or settings the chosen provider needs are missing or malformed."""

    status = 500
    title = "Meeting provider not configured"


class MeetingAuthError(MeetingProviderError):
    """The provider refused the credentials (bad client secret, revoked token)."""


class MeetingRateLimited(MeetingProviderError):
    """Still rate limited after the bounded retries, or told to wait longer than allowed."""

    status = 503
    title = "Meeting provider rate limit"

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message, provider_status=429)
        self.retry_after = retry_after


class MeetingNotFound(MeetingProviderError):
    """The provider has no such meeting (to update)."""
