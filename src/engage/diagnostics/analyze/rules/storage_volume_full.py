"""Rule: a Kubecost volume is full."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class StorageVolumeFull(Rule):
    """`no space left on device` and friends."""

    id = "storage-volume-full"
    title = "Volume is full"
    category = "storage"
    severity = Severity.CRITICAL
    specificity = 2
    anchors = ("disk is full",)
    patterns = (
        r"no space left on device",
        r"(?i)disk quota exceeded",
        r"(?i)database or disk is full",
    )
    explanation = (
        "Writes fail because the volume has no free space. ETL files, the aggregator "
        "database or Prometheus data stop being written."
    )
    remediation = (
        "Expand the PVC (or lower retention), e.g. `persistentVolume.size` for "
        "cost-analyzer or `kubecostAggregator.aggregatorDbStorage.storageRequest`, "
        "and check the staging emptyDir size limit of the aggregator."
    )
    docs = ("https://github.com/kubecost/docs/blob/final/troubleshooting/aggregator.md",)
