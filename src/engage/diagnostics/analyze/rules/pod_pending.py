"""Rule: Kubecost pods are Pending (not scheduled or not started)."""

from collections.abc import Iterator

from engage.diagnostics.analyze.checks import pod_hit
from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Hit, InstanceData, Rule


@register
class PodPending(Rule):
    """status.phase == Pending, with the scheduling condition message."""

    id = "pod-pending"
    title = "Pods stuck in Pending"
    category = "pod-health"
    severity = Severity.ERROR
    explanation = (
        "A Kubecost pod has not started: it cannot be scheduled (CPU/memory requests, "
        "node selectors, taints) or its volumes cannot be bound."
    )
    remediation = (
        "`kubectl describe pod` shows the reason; adjust requests, tolerations or "
        "node selectors, or fix the PVC's storage class."
    )
    docs = ("https://kubernetes.io/docs/tasks/debug/debug-application/debug-pods/",)

    def evaluate(self, data: InstanceData) -> Iterator[Hit]:
        """Pods in phase Pending."""
        for path, pod in data.kubecost_pods():
            status = pod.get("status") or {}
            if status.get("phase") != "Pending":
                continue
            messages = [
                str(c.get("message"))
                for c in status.get("conditions") or []
                if c.get("status") == "False" and c.get("message")
            ]
            yield pod_hit(path, pod, "Pending" + (f": {messages[0]}" if messages else ""))
