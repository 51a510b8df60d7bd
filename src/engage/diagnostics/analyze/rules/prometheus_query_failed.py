"""Rule: Kubecost's PromQL queries fail or return unusable results."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class PrometheusQueryFailed(Rule):
    """Queries reach a Prometheus-compatible API but the results are errors or empty."""

    id = "prometheus-query-failed"
    title = "Prometheus queries fail or return no result"
    category = "prometheus"
    severity = Severity.ERROR
    specificity = -1
    anchors = ("duplicate series", "nil queryResult", "errorType")
    patterns = (
        r"errorType\\?\"?:\\?\"?(?:bad_data|execution|internal|unavailable)",
        r"error \w+ normalization",
        r"(?i)(?:error|failed) (?:querying|fetching|parsing) query",
        r"Prometheus communication error",
        r"nil queryResult",
        r"error computing normalization",
        r"many-to-many matching not allowed",
        r"found duplicate series for the match group",
        r"(?:QueryRange|CostDataRange|ComputeCostData\w*|Query): Request Error",
        r"(?i)error querying prometheus",
    )
    explanation = (
        "Kubecost reached an endpoint it believes is Prometheus, but queries fail or "
        "come back empty or ambiguous. Typical causes: queries sent to a Thanos or "
        "other querier that is not there, duplicate kube-state-metrics series "
        "(many-to-many matching), or missing scrape jobs."
    )
    remediation = (
        "Check `/model/prometheusConfig`, `/model/validatePrometheus` and "
        "`/model/diagnostics/prometheusMetrics`; disable Thanos settings left from "
        "1.x, remove duplicate kube-state-metrics scrapes, and confirm the cAdvisor "
        "and Kubecost scrape jobs exist."
    )
    docs = (
        "https://github.com/opencost/opencost/issues/459",
        "https://github.com/kubecost/docs/blob/final/troubleshooting/diagnostics.md",
    )
