"""The sign-in throttle's counters are shared: two throttles (two processes) on the same
database, or on the same Redis, see each other's failures."""

from __future__ import annotations

import socket
import uuid

import pytest
from sqlalchemy import Engine

from engage.adapters.throttle import build_login_throttle


def _shared_by_two(first_url: str | None, engine: Engine) -> None:
    one = build_login_throttle(first_url, engine)
    two = build_login_throttle(first_url, engine)
    account, address = f"{uuid.uuid4().hex}@x.example", f"198.51.100.{uuid.uuid4().int % 250}"
    assert one.retry_after(account, address) == 0
    for _ in range(5):
        one.failed(account, address)
    wait = two.retry_after(account, address)
    assert 1 <= wait <= 60
    two.succeeded(account)
    assert one.retry_after(account, address) == 0


def test_database_counters_hold_across_throttles(migrated_engine: Engine) -> None:
    _shared_by_two(None, migrated_engine)


def test_redis_counters_hold_across_throttles(migrated_engine: Engine) -> None:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    _shared_by_two("redis://127.0.0.1:6379/0", migrated_engine)
