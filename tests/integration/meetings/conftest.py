"""Loopback Google Calendar and Zoom servers, and a sleep that only records."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from engage.domain.meetings import MeetingRequest
from tests.support.meet_server import FakeGoogleCalendar
from tests.support.zoom_server import FakeZoom

REQUEST = MeetingRequest(
    uid="session-42@engage.test",
    topic="Kubecost support: Aggregator OOMKilled",
    start=datetime(2026, 3, 2, 14, 0, tzinfo=UTC),
    end=datetime(2026, 3, 2, 14, 45, tzinfo=UTC),
    organizer_email="support@engage.test",
    attendee_emails=("ana@customer.test", "raj@customer.test"),
    description="Agenda: 1. Share aggregator logs",
)


class Sleeps(list[float]):
    """Records requested waits instead of waiting, so retry tests stay fast."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def google() -> Iterator[FakeGoogleCalendar]:
    with FakeGoogleCalendar() as server:
        yield server


@pytest.fixture
def zoom() -> Iterator[FakeZoom]:
    with FakeZoom() as server:
        yield server
