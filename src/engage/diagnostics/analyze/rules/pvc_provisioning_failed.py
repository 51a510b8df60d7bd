"""Rule: PersistentVolumeClaims of Kubecost stay unbound."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class PvcProvisioningFailed(Rule):
    """Volumes cannot be bound or provisioned."""

    id = "pvc-provisioning-failed"
    title = "Volumes cannot be bound or provisioned"
    category = "storage"
    severity = Severity.ERROR
    specificity = 2
    generic = True
    anchors = (
        "unbound immediate",
        "no available volume zone",
        "volume node affinity",
        "ProvisioningFailed",
    )
    patterns = (
        r"(?i)unbound immediate PersistentVolumeClaims|Failed to provision volume|"
        r"ProvisioningFailed|no available volume zone|volume node affinity conflict",
        r"(?i)waiting for (?:a volume to be created|first consumer)[^\n]{0,200}(?:failed|error)|"
        r"persistentvolumeclaim \\?\"[^\n]{1,120}\\?\" not found",
    )
    explanation = (
        "A Kubecost PVC (cost-model, aggregator, Prometheus) cannot be bound: the "
        "storage class is missing or cannot provision (permissions, quotas), or no "
        "volume exists in a zone where the pod can run. The pod stays Pending."
    )
    remediation = (
        "Check `kubectl describe pvc` in the Kubecost namespace, the storage class and "
        "its provisioner permissions, and zone topology; set "
        "`persistentVolume.storageClass` to a working class."
    )
    docs = ("https://github.com/kubecost/docs/blob/final/troubleshooting/troubleshoot-install.md",)
