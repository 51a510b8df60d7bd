"""Rule: Prometheus is up but rejects or times out Kubecost's queries (overload, limits)."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class PrometheusQueryOverloaded(Rule):
    """Query queue saturated, timeouts, or sample/resolution limits hit."""

    id = "prometheus-query-overloaded"
    title = "Prometheus queries time out or hit limits"
    category = "prometheus"
    severity = Severity.ERROR
    specificity = 2
    anchors = ("too many samples", "maximum resolution")
    patterns = (
        r"query timed out in \w+",
        r"expanding series: context deadline exceeded",
        r"(?i)(?:query|queries)[^\n]{0,100}(?:timed out|timeout exceeded)",
        r"query timed out in query queue",
        r"errorType\\?\"?:\\?\"?timeout",
        r"(?:503|504) \((?:Service Unavailable|Gateway Time-?out)\)",
        r"(?:query_range|api/v1/query)[^\n]{0,300}(?:context deadline exceeded|Client\.Timeout)",
        r"query processing would load too many samples",
        r"exceeded maximum resolution of [0-9,]+ points",
        r"(?i)prometheus[^\n]{0,200}(?:context deadline exceeded|Client\.Timeout exceeded)",
    )
    explanation = (
        "Prometheus answered Kubecost's range queries with timeouts or 5xx errors. "
        "Usually the query queue is saturated (too many concurrent or too large "
        "queries for the Prometheus resources), which leaves gaps in the ETL data."
    )
    remediation = (
        "Give Prometheus more CPU/memory or raise its query timeout and "
        "`--query.max-concurrency`; lower Kubecost's query load (e.g. "
        "`kubecostModel.maxQueryConcurrency`, smaller ETL resolution windows) and "
        "repair the affected ETL windows afterwards."
    )
    docs = (
        "https://github.com/opencost/opencost/issues/652",
        "https://github.com/kubecost/docs/blob/final/troubleshooting/etl-repair.md",
    )
