"""What a redaction run did: counts per rule and per file, binary and problem files. No values."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Finding:
    """A rule that fired in a file, and how often (never the value)."""

    file: str
    rule: str
    count: int

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form."""
        return {"file": self.file, "rule": self.rule, "count": self.count}


@dataclass(frozen=True)
class Problem:
    """A file that needs attention: ``skipped`` ones are not in the output at all."""

    file: str
    message: str
    skipped: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form."""
        return {"file": self.file, "message": self.message, "skipped": self.skipped}


class FileCounter:
    """Counts replacements for one file and adds them to the run's report."""

    def __init__(self, report: RedactionReport, name: str) -> None:
        self.report = report
        self.name = name
        self.total = 0

    def add(self, rule: str) -> None:
        """Count one replacement by ``rule`` in this file."""
        self.total += 1
        report = self.report
        report.counts_by_rule[rule] += 1
        counts = report.counts_by_file.get(self.name)
        if counts is None:
            counts = report.counts_by_file[self.name] = Counter()
        counts[rule] += 1


@dataclass
class RedactionReport:
    """Accumulated over every call on one Redactor."""

    files: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    counts_by_rule: Counter[str] = field(default_factory=Counter)
    counts_by_file: dict[str, Counter[str]] = field(default_factory=dict)
    binary_files: list[str] = field(default_factory=list)
    empty_files: list[str] = field(default_factory=list)  # copied as is: nothing to redact
    problems: list[Problem] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Number of values replaced."""
        return sum(self.counts_by_rule.values())

    def counter(self, name: str) -> FileCounter:
        """A counter for one more file."""
        self.files += 1
        return FileCounter(self, name)

    def problem(self, file: str, message: str, *, skipped: bool = False) -> None:
        """Record a problem with a file."""
        self.problems.append(Problem(file, message, skipped))

    def findings(self) -> list[Finding]:
        """(file, rule, count) for every rule that fired, sorted by file and rule."""
        return [
            Finding(f, r, n)
            for f, rules in sorted(self.counts_by_file.items())
            for r, n in sorted(rules.items())
        ]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary; it names files and rules, never a value."""
        return {
            "files": self.files,
            "bytes_in": self.bytes_in,
            "bytes_out": self.bytes_out,
            "replacements": self.total,
            "counts_by_rule": dict(sorted(self.counts_by_rule.items())),
            "counts_by_file": {
                f: dict(sorted(c.items())) for f, c in sorted(self.counts_by_file.items())
            },
            "binary_files": sorted(self.binary_files),
            "empty_files": sorted(self.empty_files),
            "problems": [p.to_dict() for p in self.problems],
        }
