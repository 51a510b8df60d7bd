"""Load the scope fixtures and score check_scope against their expected outcome."""

from __future__ import annotations

import json
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


def written() -> list[Case]:
    """Both hand-written sets."""
    return load("dev") + load("holdout")


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


REAL = FIXTURES / "real" / "cases.jsonl"


@dataclass(frozen=True)
class RealCase:
    """One real-situation case text of the development set, labelled single or multi."""

    id: str
    title: str
    body: str
    label: str
    parts: tuple[str, ...]


def real() -> list[RealCase]:
    """The 70 real-situation texts (tests/fixtures/scope/real/cases.jsonl)."""
    rows = [json.loads(line) for line in REAL.read_text(encoding="utf-8").splitlines() if line]
    return [RealCase(r["id"], r["title"], r["body"], r["label"], tuple(r["parts"])) for r in rows]


def real_figures() -> tuple[int, int, int, int, int]:
    """Shipped model on the real set: (right, multi caught, multi, singles split, singles)."""
    right = caught = split = multi = single = 0
    for case in real():
        verdict = check_scope(case.title, case.body).verdict
        right += verdict == case.label
        if case.label == "multi":
            multi += 1
            caught += verdict == "multi"
        else:
            single += 1
            split += verdict == "multi"
    return right, caught, multi, split, single
