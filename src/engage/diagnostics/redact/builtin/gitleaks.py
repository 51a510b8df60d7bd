"""The gitleaks rule catalogue, registered like any other detector module."""

from __future__ import annotations

from engage.diagnostics.redact.catalogue import CatalogueStats, load_catalogue
from engage.diagnostics.redact.detectors import DetectorRegistry

STATS = CatalogueStats()


def register_catalogue(registry: DetectorRegistry) -> CatalogueStats:
    """Register the packaged catalogue's rules (after the other built-ins: names they take win)."""
    rules, stats = load_catalogue(taken=frozenset(r.name for r in registry.rules()))
    for rule in rules:
        registry.register(rule)
    STATS.rules, STATS.skipped = stats.rules, stats.skipped
    return stats
