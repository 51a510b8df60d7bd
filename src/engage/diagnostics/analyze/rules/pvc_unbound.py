"""Rule: Kubecost PVCs are not bound."""

from collections.abc import Iterator

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Hit, InstanceData, Rule


@register
class PvcUnbound(Rule):
    """PVC status.phase Pending or Lost."""

    id = "pvc-unbound"
    title = "PersistentVolumeClaims not bound"
    category = "storage"
    severity = Severity.ERROR
    explanation = (
        "A Kubecost PVC (cost-analyzer, aggregator DB, Prometheus) has no volume: "
        "there is no default storage class, the class cannot provision, or the bound "
        "volume was lost. The pod that uses it stays Pending."
    )
    remediation = (
        "Set a storage class that can provision in the cluster "
        "(`persistentVolume.storageClass`, "
        "`kubecostAggregator.aggregatorDbStorage.storageClass`, Prometheus "
        "`server.persistentVolume.storageClass`) or create a default class."
    )
    docs = (
        "https://kubernetes.io/docs/concepts/storage/persistent-volumes/",
        "https://github.com/kubecost/docs/issues/23",
    )

    def evaluate(self, data: InstanceData) -> Iterator[Hit]:
        """PVCs whose phase is not Bound."""
        for path, pvc in data.items("pvcs"):
            phase = (pvc.get("status") or {}).get("phase")
            if phase in ("Pending", "Lost"):
                name = (pvc.get("metadata") or {}).get("name", "?")
                cls = (pvc.get("spec") or {}).get("storageClassName") or "<default>"
                yield Hit(path, None, f"pvc {name} is {phase} (storageClass {cls})")
