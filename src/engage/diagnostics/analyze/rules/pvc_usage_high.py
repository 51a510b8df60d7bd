"""Rule: Kubecost volumes are more than 80 % full (kubelet stats or diagnostics)."""

from collections.abc import Iterator

from engage.diagnostics.analyze.checks import failed_mcd_checks
from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Hit, InstanceData, Rule

LIMIT = 0.80


@register
class PvcUsageHigh(Rule):
    """usedBytes/capacityBytes above 80 % in kubelet stats, or costModelStorageStats failing."""

    id = "pvc-usage-high"
    title = "Volumes above 80 % used"
    category = "storage"
    severity = Severity.WARNING
    anchors = ("RunDiagnostic",)
    patterns = (r"RunDiagnostic: checkCostModelStorage",)
    explanation = (
        "A Kubecost volume is more than 80 % full. When it fills up, ETL files, the "
        "aggregator database or Prometheus stop being written."
    )
    remediation = (
        "Expand the PVC (storage classes with allowVolumeExpansion) or lower "
        "retention before it fills up."
    )
    docs = (
        "https://github.com/kubecost/docs/blob/final/troubleshooting/multi-cluster-diagnostics.md",
    )

    def evaluate(self, data: InstanceData) -> Iterator[Hit]:
        """Kubelet summary volume stats over the limit, and the diagnostics storage check."""
        yield from failed_mcd_checks(data, ("costModelStorageStats",))
        for path, summary in data.items("stats"):
            for pod in summary.get("pods") or []:
                for volume in pod.get("volume") or []:
                    used, cap = volume.get("usedBytes"), volume.get("capacityBytes")
                    claim = (volume.get("pvcRef") or {}).get("name")
                    if (
                        claim
                        and isinstance(used, int)
                        and isinstance(cap, int)
                        and cap > 0
                        and used / cap > LIMIT
                    ):
                        yield Hit(
                            path,
                            None,
                            f"pvc {claim}: {used / cap:.0%} used ({used} of {cap} bytes)",
                        )
