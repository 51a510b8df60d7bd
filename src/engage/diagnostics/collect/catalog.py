"""The collectors a run can use: the built-ins and those of the `engage.collectors` entry points.

Kept apart from `registry` so the built-in collectors (which import the registry to register
themselves) and the registry do not import each other.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from engage.diagnostics.collect import aggregator_db, endpoints, logs, resources
from engage.diagnostics.collect.registry import REGISTRY, CollectorSpec

BUILTIN = (aggregator_db, endpoints, logs, resources)  # imported for their registrations
_loaded = False


def collectors() -> list[CollectorSpec]:
    """All registered collectors in run order (entry points loaded once)."""
    global _loaded
    if not _loaded:
        for ep in entry_points(group="engage.collectors"):
            ep.load()
        _loaded = True
    return sorted(REGISTRY.values(), key=lambda s: (s.order, s.name))
