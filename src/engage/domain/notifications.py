"""Notifications: something a person should look at."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Notification:
    """Something a person should look at (e.g. all requested diagnostics are in)."""

    id: int
    user_id: int
    case_id: int | None
    kind: str
    message: str
    created_at: datetime
    read_at: datetime | None = None
