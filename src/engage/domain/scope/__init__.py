"""One issue per case: does a case text describe one issue or several?

The check reads the prose of a case (code, logs and template sections set aside), finds the
statements that describe a problem or ask for something, compares them with each other and
with the title using sentence embeddings (all-MiniLM-L6-v2, numpy forward pass), and weighs
that with the writer's own markers in a logistic model trained on real case texts
(scripts/train_scope_model.py). See check.py for the result and its reasons.
"""

from engage.domain.scope.check import ScopePart, ScopeResult, check_scope

__all__ = ["ScopePart", "ScopeResult", "check_scope"]
