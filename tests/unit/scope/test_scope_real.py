"""The scope check on real case texts: cross-validated figures, shipped weights, useful parts.

The texts are the development set of tests/fixtures/scope/real (rewritten public reports,
composed multi-issue tickets, hard singles). Cross-validation retrains the model on four
fifths and scores the fifth it never saw, as scripts/train_scope_model.py reports it.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from engage.domain.cases import ComponentArea
from engage.domain.scope import check_scope
from engage.domain.scope.features import NAMES
from engage.domain.scope.prose import TEMPLATE_HEADING
from tests.unit.scope.scope_cases import real, real_figures

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "train_scope_model.py"
MODEL = Path(__file__).resolve().parents[3] / "src/engage/domain/scope/model.json"


@cache
def trainer() -> ModuleType:
    """scripts/train_scope_model.py as a module (it needs scikit-learn, a dev dependency)."""
    pytest.importorskip("sklearn")
    spec = importlib.util.spec_from_file_location("train_scope_model", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["train_scope_model"] = module
    spec.loader.exec_module(module)
    return module


@cache
def data() -> tuple[list[dict[str, object]], np.ndarray, np.ndarray]:
    """Records (real first, then hand-written), features and labels, computed once."""
    result: tuple[list[dict[str, object]], np.ndarray, np.ndarray] = trainer().load(True)
    return result


def test_cross_validated_figures_on_real_texts() -> None:
    module = trainer()
    records, x, y = data()
    real_count = sum(1 for r in records if "/" not in str(r["id"]))
    folds = module.StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    xr, yr = x[:real_count], y[:real_count]
    always = np.arange(real_count, len(y))
    p = np.zeros(real_count)
    for train, test in folds.split(xr, yr):
        mean, scale, model = module.fit(
            x[np.concatenate([train, always])], y[np.concatenate([train, always])]
        )
        p[test] = module.predict(mean, scale, model, xr[test])
    threshold = json.loads(MODEL.read_text())["threshold"]
    hit = p >= threshold
    accuracy = float(np.mean(hit == (yr == 1)))
    caught, multi = int(np.sum(hit & (yr == 1))), int(np.sum(yr == 1))
    split, single = int(np.sum(hit & (yr == 0))), int(np.sum(yr == 0))
    assert (multi, single) == (20, 50)
    assert accuracy >= 0.9, f"cross-validated accuracy {accuracy:.0%}"
    assert caught >= 17, f"multi caught {caught}/{multi}"
    assert split <= 3, f"singles split {split}/{single}"


def test_shipped_weights_are_what_the_script_trains() -> None:
    _records, x, y = data()
    mean, scale, model = trainer().fit(x, y)
    shipped = json.loads(MODEL.read_text())
    assert shipped["features"] == list(NAMES)
    assert np.allclose(shipped["mean"], mean, atol=1e-4)
    assert np.allclose(shipped["scale"], scale, atol=1e-4)
    assert np.allclose(shipped["weights"], model.coef_[0], atol=1e-3)
    assert abs(shipped["intercept"] - float(model.intercept_[0])) < 1e-3


def test_shipped_model_on_the_real_set() -> None:
    right, caught, multi, split, single = real_figures()
    assert right >= 63 and caught >= 17 and split <= 2, (right, caught, multi, split, single)


@pytest.mark.parametrize("case", [c for c in real() if c.label == "multi"], ids=lambda c: c.id)
def test_parts_of_a_caught_multi_are_titled_and_placed(case: object) -> None:
    result = check_scope(case.title, case.body)  # type: ignore[attr-defined]
    if result.verdict != "multi":
        pytest.skip("not caught (counted in the figures above)")
    assert 2 <= len(result.parts) <= len(case.parts) + 1  # type: ignore[attr-defined]
    for part in result.parts:
        words = part.summary.split()
        assert 2 <= len(words) <= 16 and len(part.summary) <= 100, part.summary
        assert not TEMPLATE_HEADING.fullmatch(part.summary.lower()), part.summary
        assert isinstance(part.area, ComponentArea)
        assert part.evidence
    reasons = " ".join(result.reasons)
    assert "starts a new matter" in reasons and "probability" in reasons


def test_template_sections_are_set_aside_and_never_a_part() -> None:
    templated = [c for c in real() if "### Kubernetes" in c.body or "Which version" in c.body]
    assert len(templated) >= 8
    for case in templated:
        result = check_scope(case.title, case.body)
        assert all("version" not in p.summary.lower().split()[:2] for p in result.parts)
        if "### Kubernetes" in case.body:
            assert any("template section" in r for r in result.reasons), result.reasons
