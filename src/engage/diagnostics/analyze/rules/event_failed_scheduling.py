"""Rule: FailedScheduling events for Kubecost pods."""

from collections.abc import Iterator

from engage.diagnostics.analyze.checks import event_hit, events
from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Hit, InstanceData, Rule


@register
class EventFailedScheduling(Rule):
    """Scheduler could not place a pod (resources, taints, affinity, unbound PVCs)."""

    id = "event-failed-scheduling"
    title = "FailedScheduling events"
    category = "pod-health"
    severity = Severity.ERROR
    explanation = (
        "The scheduler could not find a node for a Kubecost pod. The event message "
        "lists why (insufficient cpu/memory, taints, node affinity, volume binding)."
    )
    remediation = (
        "Lower requests or add capacity, add tolerations or adjust nodeSelector, and "
        "make sure the PVCs can bind in a zone where nodes exist."
    )
    docs = ("https://kubernetes.io/docs/concepts/scheduling-eviction/",)

    def evaluate(self, data: InstanceData) -> Iterator[Hit]:
        """Events with reason FailedScheduling."""
        for path, event in events(data, "FailedScheduling"):
            yield event_hit(path, event)
