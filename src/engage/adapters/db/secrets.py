"""Secrets every host must share, created once in the database (first writer wins)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from engage.adapters.db import tables as t


def shared_secret(engine: Engine, name: str) -> str:
    """The secret called `name`; made (48 random bytes, URL-safe) if no host has made it yet."""
    table = t.app_secrets
    with engine.begin() as conn:
        found = conn.execute(select(table.c.value).where(table.c.name == name)).scalar()
        if found:
            return str(found)
        ins = pg_insert(table) if conn.dialect.name == "postgresql" else sqlite_insert(table)
        values = {"name": name, "value": secrets.token_urlsafe(48), "created_at": datetime.now(UTC)}
        conn.execute(ins.values(**values).on_conflict_do_nothing())
        return str(conn.execute(select(table.c.value).where(table.c.name == name)).scalar_one())
