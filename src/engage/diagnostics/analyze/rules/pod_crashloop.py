"""Rule: Kubecost containers are in CrashLoopBackOff."""

from collections.abc import Iterator

from engage.diagnostics.analyze.checks import pod_hit, waiting_reasons
from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Hit, InstanceData, Rule


@register
class PodCrashLoop(Rule):
    """Container waiting with reason CrashLoopBackOff."""

    id = "pod-crashloop"
    title = "Containers in CrashLoopBackOff"
    category = "pod-health"
    severity = Severity.CRITICAL
    explanation = (
        "A Kubecost container keeps exiting and Kubernetes backs off restarting it. "
        "The component is down most of the time."
    )
    remediation = (
        "Read the container's previous log (`kubectl logs --previous`, included as "
        "`<container>-previous.log` in bundles); the findings from those logs usually "
        "name the cause."
    )
    docs = ("https://kubernetes.io/docs/tasks/debug/debug-application/debug-pods/",)

    def evaluate(self, data: InstanceData) -> Iterator[Hit]:
        """Waiting containers with reason CrashLoopBackOff."""
        for path, pod in data.kubecost_pods():
            for container, reason, message in waiting_reasons(pod):
                if reason == "CrashLoopBackOff":
                    yield pod_hit(path, pod, f"container {container} CrashLoopBackOff {message}")
