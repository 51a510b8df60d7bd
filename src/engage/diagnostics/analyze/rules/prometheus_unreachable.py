"""Rule: Kubecost cannot connect to Prometheus at all (logs or the /model/status endpoint)."""

from collections.abc import Iterator

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Hit, InstanceData, Rule


@register
class PrometheusUnreachable(Rule):
    """Connection refused, unknown host or the frontend's 'unable to establish a connection'."""

    id = "prometheus-unreachable"
    title = "Prometheus is unreachable"
    category = "prometheus"
    severity = Severity.CRITICAL
    specificity = 1
    patterns = (
        r"(?i)failed to use prometheus at",
        r"(?i)prometheus[^\n]{0,200}(?:connect: connection timed out|network is unreachable|EOF)",
        r"(?i)Unable to establish a connection with Prometheus",
        r"Using Prometheus at [^\n]{0,300}Error",
        r"(?i)failed to (?:query|connect to|reach) prometheus",
        r"(?i)prometheus[^\n]{0,200}(?:connection refused|no such host|i/o timeout|"
        r"no route to host)",
        r"(?i)(?:connection refused|no such host|no route to host)[^\n]{0,200}prometheus",
    )
    explanation = (
        "Kubecost gets no answer from Prometheus: the service name does not resolve, "
        "the pod is down, or a network policy blocks it. Without Prometheus "
        "(Kubecost 2.x) no allocation or asset data is built."
    )
    remediation = (
        "Check that the Prometheus pod is Running and its PVC is bound, that "
        "`global.prometheus.fqdn` (or the bundled server) resolves from the "
        "cost-model pod, and test with `/model/status` and `/model/validatePrometheus`."
    )
    docs = (
        "https://github.com/kubecost/docs/issues/23",
        "https://github.com/kubecost/docs/blob/final/troubleshooting/troubleshoot-install.md",
    )

    def evaluate(self, data: InstanceData) -> Iterator[Hit]:
        """`/model/status` says `Using Prometheus at <url>. Error: ...`."""
        found = data.api.get("status")
        if found is None:
            return
        path, status = found
        text = status if isinstance(status, str) else str(status)
        if "Error" in text and "Prometheus" in text:
            yield Hit(path, None, text[:400])
