"""Rule: federation/multi-cluster is enabled but the cluster id is still the default."""

from collections.abc import Iterator

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Hit, InstanceData, Rule, dig

DEFAULT_IDS = (None, "", "cluster-one")


@register
class HelmDefaultClusterId(Rule):
    """2.x values with federated ETL and `cluster_id` unset or `cluster-one`."""

    id = "helm-default-cluster-id"
    title = "Default cluster_id with federation"
    category = "helm-config"
    severity = Severity.ERROR
    versions = "<3.0.0a0"
    explanation = (
        "With federated ETL every cluster must have a unique "
        "`prometheus.server.global.external_labels.cluster_id`. Clusters left on the "
        "default overwrite each other's data in the bucket and appear as one."
    )
    remediation = (
        "Give each cluster a unique id in "
        "`prometheus.server.global.external_labels.cluster_id` (and "
        "`kubecostProductConfigs.clusterName`), then upgrade the release."
    )
    docs = ("https://github.com/kubecost/kubecost",)

    def evaluate(self, data: InstanceData) -> Iterator[Hit]:
        """Federation enabled and the cluster id missing or default."""
        for path, values in data.values:
            federated = any(
                dig(values, "federatedETL", key) is True
                for key in ("federatedCluster", "agentOnly", "enabled")
            )
            if not federated:
                continue
            cluster_id = dig(
                values, "prometheus", "server", "global", "external_labels", "cluster_id"
            )
            if cluster_id in DEFAULT_IDS:
                yield Hit(
                    path,
                    None,
                    "federatedETL enabled with "
                    f"prometheus.server.global.external_labels.cluster_id={cluster_id!r}",
                )
