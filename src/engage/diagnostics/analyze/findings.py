"""Turn hits into findings: one per rule and instance, plus fallback findings per shape."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from engage.diagnostics.analyze import fallback
from engage.diagnostics.analyze.lines import LogLine
from engage.diagnostics.analyze.model import Evidence, Finding, Instance, Severity
from engage.diagnostics.analyze.rule import Hit, Rule

MAX_EVIDENCE = 3
SHAPE_LOOKAHEAD = 200
MAX_FALLBACK = 25  # fallback findings listed per instance (the most frequent shapes)
_DIGITS = re.compile(r"\d+")


@dataclass
class Accumulator:
    """Count, time range, distinct evidence and folded-in rules of one finding in the making."""

    count: int = 0
    first: str | None = None
    last: str | None = None
    evidence: list[Evidence] = field(default_factory=list)
    shapes: set[str] = field(default_factory=set)
    related: set[str] = field(default_factory=set)

    def merge(self, other: Accumulator) -> None:
        """Fold another accumulator of the same rule into this one."""
        self.count += other.count
        for when in (other.first, other.last):
            if when:
                self.first = when if self.first is None else min(self.first, when)
                self.last = when if self.last is None else max(self.last, when)
        self.evidence = (self.evidence + other.evidence)[:MAX_EVIDENCE]
        self.related |= other.related

    def add(self, hit: Hit) -> None:
        """Count one hit; keep it as evidence when its shape is new."""
        self.count += 1
        if hit.when:
            self.first = hit.when if self.first is None else min(self.first, hit.when)
            self.last = hit.when if self.last is None else max(self.last, hit.when)
        self.related.update(hit.also)
        # look for distinct evidence among the first occurrences only (cheap on floods)
        if len(self.evidence) < MAX_EVIDENCE and self.count <= SHAPE_LOOKAHEAD:
            shape = _DIGITS.sub("#", hit.excerpt)
            if shape not in self.shapes:
                self.shapes.add(shape)
                self.evidence.append(Evidence(hit.path, hit.line, hit.excerpt))


@dataclass
class FallbackAccumulator(Accumulator):
    """An unrecognised message shape of one component: level and category fixed at first."""

    component: str = ""
    level: str = "error"
    category: str = "pod-health"


class FallbackTable:
    """Fallback accumulators by (instance key, component, message shape)."""

    def __init__(self) -> None:
        """An empty table."""
        self.items: dict[tuple[str, str, str], FallbackAccumulator] = {}

    def add(self, key: str, component: str, line: LogLine, hit: Hit) -> None:
        """Count one unclaimed error/warning line."""
        shape = fallback.shape_of(line.message)
        acc = self.items.get((key, component, shape))
        if acc is None:
            category = fallback.categorise(line.message, component)
            level = "error" if line.level == "error" else "warning"
            acc = FallbackAccumulator(component=component, level=level, category=category)
            self.items[(key, component, shape)] = acc
        acc.add(hit)

    def findings(self, index: dict[str, int], threshold: Severity) -> list[Finding]:
        """The most frequent shapes per instance as warning findings."""
        if threshold > Severity.WARNING:
            return []
        per_instance: dict[str, list[FallbackAccumulator]] = {}
        for (key, _component, _shape), acc in self.items.items():
            per_instance.setdefault(key, []).append(acc)
        out = []
        for key, accs in per_instance.items():
            accs.sort(key=lambda a: (-a.count, a.first or ""))
            out += [_fallback_finding(acc, index.get(key, 0)) for acc in accs[:MAX_FALLBACK]]
        return out

    def shape_count(self) -> int:
        """Distinct unrecognised shapes seen (listed or not)."""
        return len(self.items)


def _fallback_finding(acc: FallbackAccumulator, instance: int) -> Finding:
    level = "error" if acc.level == "error" else "warning"
    return Finding(
        rule_id=fallback.RULE_ID,
        category=acc.category,
        severity=Severity.WARNING,
        title=fallback.TITLE.format(level=level, component=acc.component or "log"),
        explanation=fallback.EXPLANATION.format(level=level),
        remediation=fallback.REMEDIATION,
        docs=list(fallback.DOCS),
        evidence=acc.evidence,
        count=acc.count,
        first_seen=acc.first,
        last_seen=acc.last,
        instance=instance,
    )


def rule_finding(rule: Rule, acc: Accumulator, instance: int) -> Finding:
    """The finding of one rule on one instance."""
    return Finding(
        rule_id=rule.id,
        category=rule.category,
        severity=rule.severity,
        title=rule.title,
        explanation=rule.explanation,
        remediation=rule.remediation,
        docs=list(rule.docs),
        evidence=acc.evidence,
        count=acc.count,
        first_seen=acc.first,
        last_seen=acc.last,
        instance=instance,
        related=sorted(acc.related - {rule.id}),
    )


def applies(rule: Rule, instance: Instance, threshold: Severity) -> bool:
    """Whether a rule's finding is shown for this instance at this threshold."""
    return rule.severity >= threshold and rule.applies_to(instance)
