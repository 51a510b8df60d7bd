"""Rule: `readonly: true` combined with the singlepod aggregator (2.x)."""

from collections.abc import Iterator

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Hit, InstanceData, Rule, dig


@register
class HelmReadonlySinglepod(Rule):
    """Both the readonly frontend mode and the singlepod aggregator bind :9004."""

    id = "helm-readonly-singlepod"
    title = "readonly with singlepod aggregator"
    category = "helm-config"
    severity = Severity.ERROR
    versions = ">=2.0,<3.0.0a0"
    explanation = (
        "With `readonly: true` and the default `kubecostAggregator.deployMethod: "
        "singlepod`, two processes in the cost-analyzer pod try to serve the API on "
        "port 9004; one fails with `address already in use`."
    )
    remediation = (
        "Drop `readonly: true`, or run the aggregator as a statefulset "
        "(`kubecostAggregator.deployMethod: statefulset`)."
    )
    docs = ("https://github.com/kubecost/kubecost/issues/3433",)

    def evaluate(self, data: InstanceData) -> Iterator[Hit]:
        """readonly true and deployMethod singlepod (the default)."""
        for path, values in data.values:
            method = dig(values, "kubecostAggregator", "deployMethod") or "singlepod"
            if values.get("readonly") is True and method == "singlepod":
                yield Hit(
                    path, None, f"readonly: true with kubecostAggregator.deployMethod: {method}"
                )
