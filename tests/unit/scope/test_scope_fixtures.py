"""The scope check on the hand-written ticket-shaped texts (tests/fixtures/scope/dev, holdout).

These texts were written by the authors of the first, rule-based check; they are now extra
training data for the learned check (never scored in its cross-validation, which uses the
real texts only: test_scope_real.py). This guards against losing the patterns they show.
"""

from __future__ import annotations

from tests.unit.scope.scope_cases import accuracy, written


def test_fixture_sets_are_varied_and_large_enough() -> None:
    cases = written()
    assert len(cases) >= 40
    multi = [c for c in cases if c.verdict == "multi"]
    assert len(multi) >= 15 and len(cases) - len(multi) >= 25
    assert any(len(c.parts) == 3 for c in multi)
    assert all(c.path.read_text(encoding="utf-8").split("\n")[1] == "" for c in cases)


def test_written_texts_verdicts() -> None:
    right = total = 0
    for which in ("dev", "holdout"):
        verdicts, _full, count = accuracy(which)
        right, total = right + verdicts, total + count
    assert right / total >= 0.8, f"{right}/{total}"
