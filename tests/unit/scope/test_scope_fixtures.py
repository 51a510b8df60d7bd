"""Per-case accuracy of the scope check on ticket-shaped texts (tests/fixtures/scope)."""

from __future__ import annotations

import pytest

from engage.domain.scope import check_scope
from tests.unit.scope.scope_cases import Case, accuracy, load, matches

DEV, HOLDOUT = load("dev"), load("holdout")


def _check(case: Case) -> None:
    result = check_scope(*case.read())
    got = [(p.area.value, p.summary) for p in result.parts]
    assert matches(case, result), (
        f"{case.name}: expected {case.verdict} {[sorted(p) for p in case.parts]}, got "
        f"{result.verdict} {got}; reasons: {list(result.reasons)}"
    )


@pytest.mark.parametrize("case", DEV, ids=[c.name for c in DEV])
def test_dev_case(case: Case) -> None:
    _check(case)


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, marks=pytest.mark.xfail(reason=c.known_miss, strict=True))
        if c.known_miss
        else c
        for c in HOLDOUT
    ],
    ids=[c.name for c in HOLDOUT],
)
def test_holdout_case(case: Case) -> None:
    _check(case)


def test_fixture_sets_are_varied_and_large_enough() -> None:
    cases = DEV + HOLDOUT
    assert len(cases) >= 40
    multi = [c for c in cases if c.verdict == "multi"]
    assert len(multi) >= 15 and len(cases) - len(multi) >= 25
    assert any(len(c.parts) == 3 for c in multi)
    assert all(c.path.read_text(encoding="utf-8").split("\n")[1] == "" for c in cases)


def test_overall_accuracy_floor() -> None:
    for which, floor in (("dev", 1.0), ("holdout", 0.85)):
        _verdicts, full, total = accuracy(which)
        assert full / total >= floor, f"{which}: {full}/{total} below {floor:.0%}"
