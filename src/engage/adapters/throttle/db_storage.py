"""A `limits` storage on engage's own database, so throttling holds across processes and hosts
without Redis (fixed windows only: what the sign-in throttle uses)."""

from __future__ import annotations

import time
from typing import Any

from limits.storage import Storage
from sqlalchemy import Engine, case, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from engage.adapters.db.tables import rate_limits


class DatabaseStorage(Storage):
    """Counters in the `rate_limits` table; each call is its own short transaction."""

    STORAGE_SCHEME = ["engage-database"]

    def __init__(self, engine: Engine, **options: Any) -> None:
        super().__init__(None, wrap_exceptions=False)
        self.engine = engine

    @property
    def base_exceptions(self) -> type[Exception]:
        """Errors the limits library may wrap."""
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add `amount` to the key's window (a new window when the old one has expired)."""
        now = time.time()
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        values = insert(rate_limits).values(key=key, count=amount, expires_at=now + expiry)
        new, old = values.excluded, rate_limits.c
        expired = old.expires_at <= now
        stmt = values.on_conflict_do_update(
            index_elements=[old.key],
            set_={
                "count": case((expired, new.count), else_=old.count + new.count),
                "expires_at": case((expired, new.expires_at), else_=old.expires_at),
            },
        ).returning(old.count)
        with self.engine.begin() as conn:
            return int(conn.execute(stmt).scalar_one())

    def get(self, key: str) -> int:
        """The key's count in its current window (0 when none)."""
        q = select(rate_limits.c.count).where(
            rate_limits.c.key == key, rate_limits.c.expires_at > time.time()
        )
        with self.engine.connect() as conn:
            return int(conn.execute(q).scalar() or 0)

    def get_expiry(self, key: str) -> float:
        """When the key's window ends (epoch seconds; now when there is none)."""
        q = select(rate_limits.c.expires_at).where(rate_limits.c.key == key)
        with self.engine.connect() as conn:
            found = conn.execute(q).scalar()
        return float(found) if found is not None else time.time()

    def check(self) -> bool:
        """True when the database answers."""
        try:
            with self.engine.connect() as conn:
                conn.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        """Forget every counter."""
        with self.engine.begin() as conn:
            return conn.execute(delete(rate_limits)).rowcount

    def clear(self, key: str) -> None:
        """Forget one key's counter."""
        with self.engine.begin() as conn:
            conn.execute(delete(rate_limits).where(rate_limits.c.key == key))
