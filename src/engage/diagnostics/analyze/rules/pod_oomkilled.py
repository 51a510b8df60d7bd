"""Rule: Kubecost containers were OOMKilled (pod status or events)."""

from collections.abc import Iterator

from engage.diagnostics.analyze.checks import event_hit, events, pod_hit, terminated_reasons
from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Hit, InstanceData, Rule


@register
class PodOOMKilled(Rule):
    """Container state/lastState terminated with reason OOMKilled; OOMKilling events."""

    id = "pod-oomkilled"
    title = "Containers OOMKilled"
    category = "memory"
    severity = Severity.ERROR
    explanation = (
        "The kernel killed a Kubecost container for exceeding its memory limit. Each "
        "kill restarts the container and can leave ETL windows or aggregator "
        "ingestion incomplete."
    )
    remediation = (
        "Raise the memory limit of that container (cost-model: "
        "`kubecostModel.resources`, aggregator: `kubecostAggregator.resources` / "
        "`aggregator.resources`), then check the heap profile if usage keeps growing."
    )
    docs = ("https://github.com/kubecost/docs/blob/final/troubleshooting/app-memory.md",)

    def evaluate(self, data: InstanceData) -> Iterator[Hit]:
        """OOMKilled terminations of Kubecost pods and OOMKilling events."""
        for path, pod in data.kubecost_pods():
            for container, reason, when in terminated_reasons(pod):
                if reason == "OOMKilled":
                    yield pod_hit(path, pod, f"container {container} OOMKilled", when)
        for path, event in events(data, "OOMKilling"):
            yield event_hit(path, event)
