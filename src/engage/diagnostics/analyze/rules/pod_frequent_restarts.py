"""Rule: Kubecost containers restarted several times."""

from collections.abc import Iterator

from engage.diagnostics.analyze.checks import pod_hit
from engage.diagnostics.analyze.kube import container_statuses
from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Hit, InstanceData, Rule, dig

THRESHOLD = 3


@register
class PodFrequentRestarts(Rule):
    """restartCount at or above a threshold."""

    id = "pod-frequent-restarts"
    title = "Containers restart repeatedly"
    category = "pod-health"
    severity = Severity.WARNING
    explanation = (
        f"A Kubecost container restarted {THRESHOLD} or more times. Restarts lose "
        "in-memory caches and can interrupt ETL builds or ingestion."
    )
    remediation = (
        "Look at the last termination reason (OOMKilled, Error with an exit code) "
        "and the previous container log for the cause."
    )
    docs = ("https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-restarts",)

    def evaluate(self, data: InstanceData) -> Iterator[Hit]:
        """Containers with restartCount >= THRESHOLD."""
        for path, pod in data.kubecost_pods():
            for status in container_statuses(pod):
                count = int(status.get("restartCount") or 0)
                if count >= THRESHOLD:
                    reason = dig(status, "lastState", "terminated", "reason", default="?")
                    when = dig(status, "lastState", "terminated", "finishedAt")
                    yield pod_hit(
                        path,
                        pod,
                        f"container {status.get('name')} restarted {count} times (last: {reason})",
                        when,
                    )
