"""Rule: multi-cluster diagnostics say metrics Kubecost needs are missing from Prometheus."""

from collections.abc import Iterator

from engage.diagnostics.analyze.checks import failed_mcd_checks
from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Hit, InstanceData, Rule

CHECKS = (
    "kubecostEmittingMetric",
    "prometheusHasKubecostMetric",
    "prometheusHasCadvisorMetric",
    "prometheusHasKSMMetric",
)


@register
class DiagnosticsMetricsMissing(Rule):
    """Kubecost, cAdvisor or kube-state-metrics series are absent."""

    id = "diagnostics-metrics-missing"
    title = "Diagnostics: required metrics are missing in Prometheus"
    category = "prometheus"
    severity = Severity.ERROR
    specificity = 2
    anchors = ("RunDiagnostic", "no running jobs")
    patterns = (
        r"RunDiagnostic: check(?:KubecostEmitting|PrometheusHas)[A-Za-z]*",
        r"(?i)no running jobs on Prometheus",
        r"(?i)no (?:kubecost|cadvisor|kube-state-metrics|ksm) metrics (?:found|in prometheus)",
    )
    explanation = (
        "A metrics check of the diagnostics service failed: Kubecost is not emitting "
        "its metrics, or Prometheus lacks the Kubecost, cAdvisor or kube-state-metrics "
        "series. Costs are then missing or wrong for the affected cluster."
    )
    remediation = (
        "Check the Prometheus scrape configuration for the Kubecost, cAdvisor and "
        "kube-state-metrics jobs (`/model/prometheusTargets`) and that the cost-model "
        "`/metrics` endpoint answers."
    )
    docs = (
        "https://github.com/kubecost/docs/blob/final/troubleshooting/multi-cluster-diagnostics.md",
        "https://github.com/kubecost/docs/blob/final/troubleshooting/diagnostics.md",
    )

    def evaluate(self, data: InstanceData) -> Iterator[Hit]:
        """Failed metric checks."""
        yield from failed_mcd_checks(data, CHECKS)
