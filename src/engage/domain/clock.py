"""Time helpers: every instant engage stores is timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(UTC)


class SystemClock:
    """The real clock (implements engage.services.ports.Clock)."""

    def now(self) -> datetime:
        """Now, as an aware UTC datetime."""
        return utcnow()


class FixedClock:
    """A clock that says what it is told; tests move it forward."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        """The instant this clock was set to."""
        return self.at

    def advance(self, **kw: float) -> None:
        """Move forward by timedelta keyword arguments."""
        from datetime import timedelta

        self.at = self.at + timedelta(**kw)
