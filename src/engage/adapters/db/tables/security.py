"""Sign-in throttling counters (shared by every process when Redis is not configured)."""

from __future__ import annotations

from sqlalchemy import Column, Float, Integer, String, Table

from engage.adapters.db.tables.base import metadata

# One row per throttled key and window (the `limits` library's fixed-window counters):
# e.g. "LIMITER/login-account/alice@acme.example/5/1/minute".
rate_limits = Table(
    "rate_limits",
    metadata,
    Column("key", String(400), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("expires_at", Float, nullable=False),  # epoch seconds
)
