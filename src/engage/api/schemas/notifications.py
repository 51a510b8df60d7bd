"""Notification, preference and webhook bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from engage.api.schemas.base import Body, Read

ModeName = Literal["now", "digest", "off"]


class NotificationRead(Read):
    """One notification."""

    id: int
    case_id: int | None
    kind: str
    message: str
    created_at: datetime
    read_at: datetime | None


class NotificationsRead(Read):
    """A page of notifications (unread first) and the unread count."""

    items: list[NotificationRead]
    unread: int


class MarkRead(Body):
    """Which notifications to mark read; null marks all of them."""

    ids: list[int] | None = Field(default=None, max_length=1000)


class MarkedRead(Read):
    """How many were marked and how many remain unread."""

    marked: int
    unread: int


class PreferenceRead(Read):
    """How the person hears of one kind, and the default."""

    kind: str
    label: str
    mode: ModeName
    default: ModeName


class PreferencesRead(Read):
    """Every kind of the person's side."""

    preferences: list[PreferenceRead]


class PreferencesUpdate(Body):
    """New modes by kind (kinds left out keep theirs)."""

    modes: dict[str, ModeName] = Field(max_length=50)


EventName = str


class WebhookCreate(Body):
    """Register an endpoint; org_id null: your organisation's (support: support's own)."""

    org_id: int | None = None
    url: str = Field(max_length=2000)
    events: list[EventName] = Field(min_length=1, max_length=50)
    format: Literal["json", "slack"] = "json"
    description: str = Field(default="", max_length=200)


class WebhookUpdate(Body):
    """Pause or resume an endpoint, change its events or description."""

    active: bool | None = None
    events: list[EventName] | None = Field(default=None, min_length=1, max_length=50)
    description: str | None = Field(default=None, max_length=200)


class WebhookRead(Read):
    """An endpoint (its secret is only shown when it is created)."""

    id: int
    org_id: int | None
    url: str
    events: list[str]
    format: str
    active: bool
    description: str
    created_at: datetime


class WebhookCreated(WebhookRead):
    """A new endpoint with its signing secret (shown once)."""

    secret: str


class DeliveryRead(Read):
    """One delivery and how it went."""

    id: int
    event: str
    status: str
    attempts: int
    response_status: int | None
    last_error: str
    created_at: datetime
    delivered_at: datetime | None
    next_attempt_at: datetime | None
