"""The collector registry: every per-instance collector, built-in or third-party, registers here.

A collector is a function `(job: InstanceJob) -> Outcome`. Raising an exception marks it
failed with the exception text; returning `Outcome.partial(...)` records what went missing.
Third-party packages can add collectors through the `engage.collectors` entry-point group,
exactly the way the built-ins add theirs; `catalog.collectors()` loads both.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engage.diagnostics.bundle import Status

if TYPE_CHECKING:
    from engage.diagnostics.bundle import BundleWriter
    from engage.diagnostics.collect.discovery import Install
    from engage.diagnostics.collect.kube import KubeContext
    from engage.diagnostics.collect.options import CollectOptions


@dataclass(frozen=True)
class Outcome:
    """What a collector reports back: a status and, unless ok, why."""

    status: Status = "ok"
    error: str | None = None

    @classmethod
    def from_problems(cls, problems: list[str], attempted: int) -> Outcome:
        """ok with no problems, failed when every attempt failed, partial otherwise."""
        if not problems:
            return cls()
        status: Status = "failed" if len(problems) >= max(attempted, 1) else "partial"
        shown = "; ".join(problems[:5]) + (
            f" (+{len(problems) - 5} more)" if len(problems) > 5 else ""
        )
        return cls(status, shown)


@dataclass
class InstanceJob:
    """Everything a collector needs for one Kubecost instance."""

    environment: str
    kube: KubeContext
    install: Install
    writer: BundleWriter
    base: str  # environments/<env>/<cluster>/<namespace>
    options: CollectOptions
    log_pool: Executor
    note: Callable[[str], None]
    stopped: Callable[[], bool]
    permissions_missing: list[str] = field(default_factory=list)
    cache: dict[str, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def path(self, *parts: str) -> str:
        """A bundle path under this instance's folder."""
        return "/".join([self.base, *parts])


CollectorFunc = Callable[[InstanceJob], Outcome]


@dataclass(frozen=True)
class CollectorSpec:
    """A registered collector: name, function, run order and the --include flag it needs."""

    name: str
    func: CollectorFunc
    order: int = 100
    include: str | None = None


REGISTRY: dict[str, CollectorSpec] = {}


def collector(
    name: str, *, order: int = 100, include: str | None = None
) -> Callable[[CollectorFunc], CollectorFunc]:
    """Register a collector under `name`; `include` makes it opt-in (`--include <include>`)."""

    def wrap(func: CollectorFunc) -> CollectorFunc:
        REGISTRY[name] = CollectorSpec(name, func, order, include)
        return func

    return wrap
