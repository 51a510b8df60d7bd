"""Meeting links: what a provider is asked for and what it returns (plain data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

SCREEN_SHARING_NOTE = (
    "Screen sharing is not allowed for this session under your organisation's security "
    "policy: you drive your own screen and run each step, support guides you by voice and "
    "chat and asks you to read out or paste command output."
)


class MeetingTool(StrEnum):
    """Meeting tools an organisation may allow."""

    GOOGLE_MEET = "google_meet"
    ZOOM = "zoom"
    CUSTOM = "custom"


@dataclass(frozen=True)
class MeetingRequest:
    """Ask a provider for a meeting; instants are timezone-aware UTC."""

    uid: str
    topic: str
    start: datetime
    end: datetime
    organizer_email: str
    attendee_emails: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Meeting:
    """A created meeting: where to join and how to find it again at the provider."""

    tool: MeetingTool
    join_url: str
    provider_id: str = ""
    dial_in: str = ""
    extra: dict[str, str] = field(default_factory=dict)
