"""Which database errors are transient, and how a unit of work retries them.

A write that lost a race (a row version changed under it, a PostgreSQL serialization failure
or deadlock, SQLite's "database is locked") is rolled back and run again from the start, so
the rerun reads the winner's data. A unique violation is retried once: that is how a request
racing another with the same Idempotency-Key finds the stored key and replays it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from engage.domain.errors import Busy, ConcurrentUpdate, Conflict, EngageError

T = TypeVar("T")

#: PostgreSQL SQLSTATEs worth a retry: serialization failure, deadlock, lock not available.
RETRY_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
SQLITE_BUSY = ("database is locked", "database is busy", "database table is locked")
MAX_ATTEMPTS = {"stale": 12, "busy": 12, "integrity": 2}


def transient_kind(exc: BaseException) -> str | None:
    """'stale', 'busy' or 'integrity' when `exc` (or what caused it) is worth a retry."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return None
        if isinstance(seen, StaleDataError):
            return "stale"
        if isinstance(seen, IntegrityError):
            return "integrity"
        if isinstance(seen, DBAPIError):
            code = getattr(seen.orig, "sqlstate", None)
            text = str(seen.orig).lower()
            if code in RETRY_SQLSTATES or any(m in text for m in SQLITE_BUSY):
                return "busy"
            return None
        seen = seen.__cause__
    return None


def as_domain_error(exc: BaseException, kind: str) -> EngageError:
    """What a client is told when retries did not get a transient error out of the way."""
    if isinstance(exc, EngageError):
        return exc
    if kind == "stale":
        return ConcurrentUpdate("someone else changed this at the same moment; reload and retry")
    if kind == "integrity":
        return Conflict("that conflicts with something that already exists")
    return Busy("the database is busy; try again in a moment")


def run_with_retries(fn: Callable[[], T], rollback: Callable[[], None]) -> T:
    """Run `fn`; on a transient error roll back and run it again, a bounded number of times."""
    attempt = 0
    while True:
        try:
            return fn()
        except Exception as exc:
            kind = transient_kind(exc)
            if kind is None:
                raise
            attempt += 1
            rollback()
            if attempt >= MAX_ATTEMPTS[kind]:
                raise as_domain_error(exc, kind) from exc
            # Jittered, growing pauses so the contenders stop colliding (capped at 0.2 s).
            time.sleep(random.uniform(0, min(0.2, 0.004 * 2**attempt)))
