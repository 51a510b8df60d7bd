"""What the analyzer reports: severities, categories, findings, instances and the report."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from engage import __version__

CATEGORIES: frozenset[str] = frozenset(
    {
        "prometheus",
        "etl",
        "aggregator",
        "storage",
        "cloud-integration",
        "networking",
        "network-costs",
        "auth",
        "license",
        "helm-config",
        "memory",
        "pod-health",
        "version",
    }
)
FLAVOURS: frozenset[str] = frozenset({"2.x-duckdb", "2.x-clickhouse", "3.x", "unknown"})


class AnalyzeError(Exception):
    """The input cannot be analysed at all (missing, unreadable, nothing recognisable)."""


class Severity(enum.IntEnum):
    """How bad a finding is; ordered so that comparisons work."""

    INFO = 0
    WARNING = 1
    ERROR = 2
    CRITICAL = 3

    @classmethod
    def parse(cls, text: str | Severity) -> Severity:
        """`"warning"` -> Severity.WARNING; raises ValueError on unknown names."""
        if isinstance(text, Severity):
            return text
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r} (use one of: {names})") from None

    @property
    def label(self) -> str:
        """The lower-case name used in JSON and on the command line."""
        return self.name.lower()


@dataclass(frozen=True)
class Evidence:
    """One place that shows a finding: a file, a line number when known, and an excerpt."""

    path: str
    line: int | None
    excerpt: str

    def to_dict(self) -> dict[str, Any]:
        """JSON shape of one evidence item."""
        return {"path": self.path, "line": self.line, "excerpt": self.excerpt}


@dataclass(frozen=True)
class Instance:
    """One Kubecost install seen in the input."""

    environment: str = "default"
    cluster: str = "unknown"
    namespace: str = "unknown"
    version: str | None = None
    flavour: str = "unknown"
    path: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON shape of one instance."""
        return {
            "environment": self.environment,
            "cluster": self.cluster,
            "namespace": self.namespace,
            "version": self.version,
            "flavour": self.flavour,
        }

    @property
    def label(self) -> str:
        """A short human name: env/cluster/namespace."""
        return f"{self.environment}/{self.cluster}/{self.namespace}"

    def heading(self, input_name: str) -> str:
        """Section heading: env/cluster/namespace, or the input's name when none is known;
        version and flavour only when known (no `default/unknown/unknown version ?`)."""
        known = (self.environment, self.cluster, self.namespace) != (
            "default",
            "unknown",
            "unknown",
        )
        parts = [self.label if known else input_name]
        if self.version:
            parts.append(f"version {self.version}")
        if self.flavour != "unknown":
            parts.append(self.flavour)
        return "  ".join(parts)


@dataclass
class Finding:
    """One deduplicated problem: a rule that matched, how often, when, and the evidence."""

    rule_id: str
    category: str
    severity: Severity
    title: str
    explanation: str
    remediation: str
    docs: list[str]
    evidence: list[Evidence] = field(default_factory=list)
    count: int = 0
    first_seen: str | None = None
    last_seen: str | None = None
    instance: int = 0
    related: list[str] = field(default_factory=list)  # rules folded in (same lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON shape of one finding (the issue's schema)."""
        return {
            "rule_id": self.rule_id,
            "category": self.category,
            "severity": self.severity.label,
            "title": self.title,
            "explanation": self.explanation,
            "remediation": self.remediation,
            "docs": list(self.docs),
            "evidence": [e.to_dict() for e in self.evidence],
            "count": self.count,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
        }


@dataclass(frozen=True)
class Skipped:
    """Something in the input that was not (fully) analysed, and why."""

    path: str
    reason: str


@dataclass
class Timeline:
    """Counts per hour for the HTML charts: error lines per component, restarts per pod."""

    errors: dict[str, dict[str, int]] = field(default_factory=dict)
    restarts: dict[str, dict[str, int]] = field(default_factory=dict)

    def add_error(self, component: str, hour: str, n: int = 1) -> None:
        """Count `n` error-level log lines of `component` in the hour `YYYY-MM-DDTHH`."""
        bucket = self.errors.setdefault(component, {})
        bucket[hour] = bucket.get(hour, 0) + n

    def add_restart(self, pod: str, hour: str, n: int = 1) -> None:
        """Count `n` restarts (or back-offs) of `pod` in the hour `YYYY-MM-DDTHH`."""
        bucket = self.restarts.setdefault(pod, {})
        bucket[hour] = bucket.get(hour, 0) + n


@dataclass
class AnalysisReport:
    """Everything one analysis found, ready for the text, JSON and HTML renderers."""

    input: str
    instances: list[Instance]
    findings: list[Finding]
    skipped: list[Skipped] = field(default_factory=list)
    timeline: Timeline = field(default_factory=Timeline)
    bytes_scanned: int = 0
    files_scanned: int = 0
    engage_version: str = __version__
    requests: list[dict[str, Any]] = field(default_factory=list)  # HAR timings for charts
    profiles: list[dict[str, Any]] = field(default_factory=list)  # heap profile summaries
    unrecognised_shapes: int = 0

    @property
    def summary(self) -> dict[str, int]:
        """Number of findings per severity (all four keys always present)."""
        counts = {s.label: 0 for s in sorted(Severity, reverse=True)}
        for finding in self.findings:
            counts[finding.severity.label] += 1
        return counts

    @property
    def exit_code(self) -> int:
        """0 when nothing is at error or above, 3 when errors or critical findings exist."""
        return 3 if any(f.severity >= Severity.ERROR for f in self.findings) else 0

    def to_dict(self, *, extended: bool = False) -> dict[str, Any]:
        """The issue's JSON shape; `extended` adds instance indexes, skipped inputs and stats."""
        data: dict[str, Any] = {
            "engage_version": self.engage_version,
            "input": self.input,
            "instances": [i.to_dict() for i in self.instances],
            "findings": [f.to_dict() for f in self.findings],
            "summary": self.summary,
        }
        if extended:
            for item, finding in zip(data["findings"], self.findings, strict=True):
                item["instance"] = finding.instance
                item["related"] = list(finding.related)
            data["skipped"] = [{"path": s.path, "reason": s.reason} for s in self.skipped]
            data["stats"] = {
                "bytes_scanned": self.bytes_scanned,
                "files_scanned": self.files_scanned,
                "unrecognised_shapes": self.unrecognised_shapes,
            }
            data["profiles"] = self.profiles
            data["requests"] = len(self.requests)
        return data
