"""Ports: the small interfaces services depend on; adapters implement them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import BinaryIO, Protocol

from engage.domain.meetings import Meeting, MeetingRequest


class Clock(Protocol):
    """Tells the time (UTC, timezone-aware); tests pass a fixed one."""

    def now(self) -> datetime: ...


class ObjectStore(Protocol):
    """Content-addressed blob storage (filesystem by default, S3-compatible when configured)."""

    def put(self, key: str, stream: BinaryIO) -> int: ...

    def open(self, key: str) -> BinaryIO: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...

    def keys(self, prefix: str = "") -> Iterator[str]: ...


class JobQueue(Protocol):
    """Runs named jobs later; in-process by default, a distributed queue when configured."""

    def enqueue(self, name: str, **kwargs: object) -> str: ...

    def register(self, name: str, func: Callable[..., None]) -> None: ...


class MeetingProvider(Protocol):
    """Creates, updates and deletes meetings at Google Meet, Zoom or the customer's own tool."""

    def create(self, request: MeetingRequest) -> Meeting: ...

    def update(self, meeting: Meeting, request: MeetingRequest) -> Meeting: ...

    def delete(self, meeting: Meeting) -> None: ...


class Mailer(Protocol):
    """Sends e-mail (SMTP in production, a local SMTP server in tests)."""

    def send(self, *, to: list[str], subject: str, text: str,
             attachments: list[tuple[str, str, bytes]] = ...) -> None: ...
