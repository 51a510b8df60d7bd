"""Options and results of one collection run, and the progress hook the CLI plugs into."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable

    from engage.diagnostics.bundle import Manifest, Redacting

OPTIONAL_COLLECTORS = frozenset({"heap", "aggregator-db"})
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class CollectError(Exception):
    """A collection that could not start or produced nothing."""


class NothingCollected(CollectError):
    """Every environment failed before anything could be collected."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("nothing was collected: " + "; ".join(errors))
        self.errors = errors


def parse_duration(text: str) -> float:
    """`90s`, `10m`, `24h`, `2d` or plain seconds -> seconds."""
    m = _DURATION.match(text)
    if not m:
        raise ValueError(f"not a duration: {text!r} (use e.g. 90s, 10m, 24h, 2d)")
    return float(m.group(1)) * _UNITS[m.group(2)]


class ProgressSink(Protocol):
    """Receives one line per environment/instance as collection moves along."""

    def add(self, key: str, label: str) -> None:
        """A new line ``key`` showing ``label``."""

    def update(self, key: str, text: str) -> None:
        """Change what line ``key`` says."""

    def done(self, key: str, text: str) -> None:
        """Finish line ``key`` with ``text``."""


class NullProgress:
    """A progress sink that shows nothing."""

    def add(self, key: str, label: str) -> None:
        """Ignore a new line."""

    def update(self, key: str, text: str) -> None:
        """Ignore an update."""

    def done(self, key: str, text: str) -> None:
        """Ignore a finished line."""


@dataclass
class CollectOptions:
    """Everything `engage collect` can be told; defaults match the CLI's."""

    output: Path | None = None
    kubeconfig: str | None = None
    contexts: list[str] = field(default_factory=list)
    all_contexts: bool = False
    environments: dict[str, str] = field(default_factory=dict)  # environment name -> context
    namespace: str | None = None
    since_seconds: int | None = 24 * 3600
    include: frozenset[str] = frozenset()
    case_id: str | None = None
    timeout: float = 600.0
    request_timeout: float = 30.0
    concurrency: int = 4
    log_limit_bytes: int = 100 << 20
    max_db_bytes: int = 2 << 30
    confirm: Callable[[str], bool] | None = None
    progress: ProgressSink = field(default_factory=NullProgress)
    redactor: Redacting | None = None


@dataclass
class CollectResult:
    """The bundle written (if any), its manifest, and whether anything went wrong."""

    bundle: Path | None
    manifest: Manifest
    complete: bool
    problems: list[str] = field(default_factory=list)
