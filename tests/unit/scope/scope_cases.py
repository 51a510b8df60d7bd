"""Load the scope fixtures and score check_scope against their expected outcome."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import permutations
from pathlib import Path

import yaml

from engage.domain.scope import ScopeResult, check_scope

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "scope"


@dataclass(frozen=True)
class Case:
    """One fixture text and what the checker should say about it."""

    name: str
    path: Path
    verdict: str
    parts: tuple[frozenset[str], ...]
    known_miss: str = ""

    def read(self) -> tuple[str, str]:
        """Title and description (title line, blank line, description)."""
        title, _, description = self.path.read_text(encoding="utf-8").partition("\n\n")
        return title.strip(), description


def load(which: str) -> list[Case]:
    """Cases of one set: "dev" or "holdout"."""
    table = yaml.safe_load((FIXTURES / "expected.yaml").read_text(encoding="utf-8"))[which]
    return [
        Case(
            name=name,
            path=FIXTURES / which / name,
            verdict=spec["verdict"],
            parts=tuple(frozenset(p) for p in spec["parts"]),
            known_miss=spec.get("known_miss", ""),
        )
        for name, spec in table.items()
    ]


def matches(case: Case, result: ScopeResult) -> bool:
    """Verdict equal, and parts pair one-to-one with acceptable areas."""
    if result.verdict != case.verdict or len(result.parts) != len(case.parts):
        return False
    areas = [p.area.value for p in result.parts]
    return any(
        all(a in ok for a, ok in zip(areas, order, strict=True))
        for order in permutations(case.parts)
    )


def accuracy(which: str) -> tuple[int, int, int]:
    """(verdict right, verdict and areas right, total) over one set."""
    verdicts = full = 0
    cases = load(which)
    for case in cases:
        result = check_scope(*case.read())
        verdicts += result.verdict == case.verdict
        full += matches(case, result)
    return verdicts, full, len(cases)
