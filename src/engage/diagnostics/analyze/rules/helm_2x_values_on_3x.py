"""Rule: Kubecost 3.x runs with values written for the 2.x chart."""

from collections.abc import Iterator

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Hit, InstanceData, Rule, dig

V2_KEYS = (
    "kubecostModel",
    "kubecostAggregator",
    "kubecostFrontend",
    "kubecostDeployment",
    "kubecostMetrics",
)


@register
class Helm2xValuesOn3x(Rule):
    """2.x-only top-level keys, or no `global.clusterId`, on a 3.x instance."""

    id = "helm-2x-values-on-3x"
    title = "2.x Helm values used with Kubecost 3.x"
    category = "helm-config"
    severity = Severity.ERROR
    flavours = frozenset({"3.x"})
    versions = ">=3.0.0a0"
    explanation = (
        "The 3.x chart (`kubecost`) renamed or dropped most 2.x settings; 2.x keys "
        "are ignored or rejected, and `global.clusterId` is required. Reusing a 2.x "
        "values file leaves settings silently unapplied."
    )
    remediation = (
        "Port the values to the 3.x chart (aggregator.*, frontend.*, "
        "global.clusterId, global.acknowledged for Enterprise upgrades) following the "
        "3.0 upgrade notes."
    )
    docs = ("https://github.com/kubecost/kubecost/releases/tag/v3.0.0",)

    def evaluate(self, data: InstanceData) -> Iterator[Hit]:
        """2.x keys present, or clusterId missing."""
        for path, values in data.values:
            found = [key for key in V2_KEYS if key in values]
            if found:
                yield Hit(path, None, "2.x keys in 3.x values: " + ", ".join(found))
            if not dig(values, "global", "clusterId"):
                yield Hit(path, None, "global.clusterId is not set (required in 3.x)")
