"""The trained logistic model: weights read from model.json, inference with plain Python.

scripts/train_scope_model.py fits the model on the development set and writes model.json
(feature means and scales, weights, intercept, threshold). Each feature's contribution to the
log-odds is kept, so reasons can name what pushed the verdict which way.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

from engage.domain.scope.features import NAMES


@dataclass(frozen=True)
class Model:
    """Standardised logistic regression over the features in NAMES."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    intercept: float
    threshold: float

    def contributions(self, values: dict[str, float]) -> dict[str, float]:
        """Each feature's share of the log-odds of "multi", relative to an average text."""
        return {
            name: w * (values[name] - m) / s
            for name, m, s, w in zip(NAMES, self.mean, self.scale, self.weights, strict=True)
        }

    def probability(self, values: dict[str, float]) -> float:
        """Probability that the text holds more than one issue."""
        logit = self.intercept + sum(self.contributions(values).values())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, logit))))


class ModelError(RuntimeError):
    """model.json is missing or does not match the features of this version."""


@cache
def model() -> Model:
    """The shipped model, read once."""
    raw = json.loads(resources.files(__package__).joinpath("model.json").read_text("utf-8"))
    if tuple(raw["features"]) != NAMES:
        raise ModelError(
            "model.json was trained on other features; run scripts/train_scope_model.py"
        )
    return Model(
        mean=tuple(raw["mean"]),
        scale=tuple(raw["scale"]),
        weights=tuple(raw["weights"]),
        intercept=float(raw["intercept"]),
        threshold=float(raw["threshold"]),
    )
