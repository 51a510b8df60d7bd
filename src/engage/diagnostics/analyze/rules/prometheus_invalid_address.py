"""Rule: the Prometheus address Kubecost was given is malformed (scheme or URL missing)."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class PrometheusInvalidAddress(Rule):
    """cost-model cannot even build a request to Prometheus from the configured address."""

    id = "prometheus-invalid-address"
    title = "Prometheus address is not a valid URL"
    category = "prometheus"
    severity = Severity.ERROR
    specificity = 2
    patterns = (
        r"No valid prometheus config file at",
        r"unsupported protocol scheme",
        r"(?i)prometheus[^\n]{0,200}(?:missing protocol scheme|invalid URL|first path segment)",
    )
    confirm_regex = r"(?i)prometheus|/api/v1/"
    explanation = (
        "cost-model builds its Prometheus queries from the configured address; an "
        "address without `http://` or `https://` (or otherwise malformed) makes every "
        "query fail before it is sent, so no cost data is computed."
    )
    remediation = (
        "Set the full URL including the scheme, e.g. `global.prometheus.fqdn: "
        "http://prometheus-server.monitoring.svc.cluster.local:80`, then check "
        "`/model/prometheusConfig` and the cost-model logs after the rollout."
    )
    docs = (
        "https://github.com/opencost/opencost/issues/340",
        "https://github.com/kubecost/docs/blob/final/troubleshooting/troubleshoot-install.md",
    )
