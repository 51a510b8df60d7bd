"""Sign-in throttling with the `limits` library: Redis when configured, else the database."""

from __future__ import annotations

import time

from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import Engine

from engage.adapters.throttle.db_storage import DatabaseStorage

#: Growing delays: a few quick retries are fine, a guessing run waits longer and longer.
ACCOUNT_LIMITS = "5/minute;10/15 minutes;20/hour;50/day"
ADDRESS_LIMITS = "20/minute;100/hour;500/day"


class LimitsLoginThrottle:
    """Failed sign-ins counted per account and per client address in fixed windows."""

    def __init__(
        self,
        storage: Storage,
        account_limits: str = ACCOUNT_LIMITS,
        address_limits: str = ADDRESS_LIMITS,
    ) -> None:
        self.limiter = FixedWindowRateLimiter(storage)
        self.account: list[RateLimitItem] = parse_many(account_limits)
        self.address: list[RateLimitItem] = parse_many(address_limits)

    def _checks(self, account: str, address: str) -> list[tuple[RateLimitItem, str, str]]:
        return [(i, "login-account", account.lower()) for i in self.account] + [
            (i, "login-address", address) for i in self.address
        ]

    def retry_after(self, account: str, address: str) -> int:
        """Seconds until every exhausted window has reset (0 when none is exhausted)."""
        wait = 0.0
        for item, kind, ident in self._checks(account, address):
            if not self.limiter.test(item, kind, ident):
                reset, _ = self.limiter.get_window_stats(item, kind, ident)
                wait = max(wait, reset - time.time())
        return int(wait + 0.999) if wait > 0 else 0

    def failed(self, account: str, address: str) -> None:
        """Count one failure in every window of the account and the address."""
        for item, kind, ident in self._checks(account, address):
            self.limiter.hit(item, kind, ident)

    def succeeded(self, account: str) -> None:
        """A correct password clears the account's windows (not the address's)."""
        for item in self.account:
            self.limiter.clear(item, "login-account", account.lower())


def build_login_throttle(redis_url: str | None, engine: Engine) -> LimitsLoginThrottle:
    """Redis storage when a URL is configured, else counters in the database's rate_limits."""
    if not redis_url:
        return LimitsLoginThrottle(DatabaseStorage(engine))
    storage = storage_from_string(redis_url)
    if not isinstance(storage, Storage):
        raise ValueError(f"{redis_url!r} names an async storage; use redis://")
    return LimitsLoginThrottle(storage)
