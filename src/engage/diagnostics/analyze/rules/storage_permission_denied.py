"""Rule: Kubecost cannot write to its volume (permissions or read-only file system)."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class StoragePermissionDenied(Rule):
    """mkdir/open/create on a Kubecost path refused by the file system."""

    id = "storage-permission-denied"
    title = "Volume not writable (permission denied / read-only)"
    category = "storage"
    severity = Severity.ERROR
    specificity = -1
    patterns = (
        r"(?:mkdir|open|create|rename|remove|unlinkat|chmod|write) [^\n :]{1,300}: "
        r"(?:permission denied|read-only file system)",
        r"(?i)permission denied[^\n]{0,100}/var/configs",
    )
    explanation = (
        "A Kubecost container could not create or write files (ETL files, parquet "
        "staging, the aggregator database, cloud exports). Typical causes: the pod "
        "runs as a non-root user without a matching `fsGroup`, the volume is mounted "
        "read-only, or no writable volume is mounted at that path."
    )
    remediation = (
        "Set the pod `securityContext.fsGroup` (and `runAsUser`) to match the volume "
        "ownership, make sure a writable PVC or emptyDir is mounted at the path in the "
        "message, and avoid storage classes that ignore fsGroup."
    )
    docs = (
        "https://github.com/opencost/opencost/issues/376",
        "https://github.com/kubecost/kubecost/pull/3032",
    )
