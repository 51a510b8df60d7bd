"""Rule: the multi-cluster diagnostics check "Kubecost pods not Pending" fails."""

from collections.abc import Iterator

from engage.diagnostics.analyze.checks import failed_mcd_checks
from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Hit, InstanceData, Rule


@register
class DiagnosticsPodsPending(Rule):
    """Diagnostics JSON or its log line reports Kubecost pods stuck in Pending."""

    id = "diagnostics-pods-pending"
    title = "Diagnostics: Kubecost pods are Pending"
    category = "pod-health"
    severity = Severity.ERROR
    specificity = 2
    anchors = ("RunDiagnostic", "phase='Pending'", 'phase="Pending"')
    patterns = (
        r"RunDiagnostic: checkKubecostPodsNotPending",
        r"kube_pod_status_phase\{[^}\n]{0,200}phase=.Pending",
    )
    explanation = (
        "The diagnostics service asked Prometheus for Kubecost pods in phase Pending "
        "and found some: a component is not scheduled (resources, node selectors, "
        "unbound PVCs), so part of Kubecost is not running."
    )
    remediation = (
        "Run `kubectl -n <namespace> get pods` and `kubectl describe pod` on the "
        "Pending pods; fix the FailedScheduling reason (requests, taints, PVC "
        "storage class) and re-run the diagnostics."
    )
    docs = (
        "https://github.com/kubecost/docs/blob/final/troubleshooting/multi-cluster-diagnostics.md",
    )

    def evaluate(self, data: InstanceData) -> Iterator[Hit]:
        """Failed `kubecostPodsNotPending` checks."""
        yield from failed_mcd_checks(data, ("kubecostPodsNotPending",))
