"""Rule: the multi-cluster diagnostics check "Kubecost pods not OOMKilled" fails."""

from collections.abc import Iterator

from engage.diagnostics.analyze.checks import failed_mcd_checks
from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Hit, InstanceData, Rule


@register
class DiagnosticsPodsOOMKilled(Rule):
    """Diagnostics JSON or its log line reports OOMKilled Kubecost containers."""

    id = "diagnostics-pods-oomkilled"
    title = "Diagnostics: Kubecost containers were OOMKilled"
    category = "memory"
    severity = Severity.ERROR
    specificity = 2
    anchors = ("RunDiagnostic",)
    patterns = (r"RunDiagnostic: checkKubecostPodsNotOOMKilled",)
    explanation = (
        "The diagnostics service found Kubecost containers terminated by the kernel "
        "for exceeding their memory limit. Restarts lose in-memory state and can "
        "leave ETL or aggregator data incomplete."
    )
    remediation = (
        "Raise the memory limit of the affected component (cost-model, aggregator, "
        "Prometheus) and check its heap profile (`/model/debug/pprof/heap`) if usage "
        "keeps growing."
    )
    docs = (
        "https://github.com/kubecost/docs/blob/final/troubleshooting/multi-cluster-diagnostics.md",
        "https://github.com/kubecost/docs/blob/final/troubleshooting/app-memory.md",
    )

    def evaluate(self, data: InstanceData) -> Iterator[Hit]:
        """Failed `kubecostPodsNotOOMKilled` checks."""
        yield from failed_mcd_checks(data, ("kubecostPodsNotOOMKilled",))
