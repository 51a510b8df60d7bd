"""Stored sessions and availability: domain values plus what only storage knows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from engage.domain.sessions import Session

Block = tuple[datetime, datetime]
"""A busy (start, end) pair of aware UTC instants."""


@dataclass(frozen=True)
class SessionRecord:
    """A stored session: the domain value plus what only storage knows (ids, search, version).

    ``user_ids`` maps a participant's lower-cased e-mail to their user id (people with an
    account); ``search`` holds the slot-search parameters the booking re-check reuses.
    """

    id: int
    case_id: int
    session: Session
    user_ids: Mapping[str, int] = field(default_factory=dict)
    search: Mapping[str, object] = field(default_factory=dict)
    custom_url: str | None = None
    custom_dial_in: str = ""
    version: int = 1
    created_by: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Availability:
    """One person's working hours in the ``engage slots`` JSON shape, and an optional ICS feed."""

    user_id: int
    tz: str
    weekly: Mapping[str, list[list[str]]] = field(default_factory=dict)
    overrides: Mapping[str, list[list[str]]] = field(default_factory=dict)
    ics_url: str | None = None
    ics_fetched_at: datetime | None = None
    updated_at: datetime | None = None
