"""Rule: connections to an endpoint are refused or time out."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class NetworkDialFailed(Rule):
    """Connections to a service fail or time out."""

    id = "network-dial-failed"
    title = "Connections to a service fail or time out"
    category = "networking"
    severity = Severity.WARNING  # generic: the endpoint may not matter to Kubecost
    specificity = -2
    generic = True
    anchors = (
        "connection reset",
        "broken pipe",
        "no route to host",
        "HTTPConnectionPool",
        "NewConnectionError",
    )
    patterns = (
        r"dial tcp [^\n]{0,200}(?:i/o timeout|connection refused|connection timed out|"
        r"no route to host|network is unreachable)",
        r"(?i)connect: (?:connection (?:refused|timed out|reset)|no route to host|"
        r"network is unreachable)",
        r"Max retries exceeded with url|HTTPConnectionPool\(|NewConnectionError|"
        r"ConnectTimeoutError",
        r"(?i)(?:failed to proxy|proxy error|error proxying)",
        r"(?i)(?:read|write) tcp [^\n]{0,120}: (?:connection reset by peer|broken pipe|"
        r"i/o timeout)",
        r"(?i)Client\.Timeout exceeded while awaiting headers",
    )
    explanation = (
        "A Kubecost component could not open a connection to another service or "
        "endpoint: the target is down, the name or port is wrong, or a network policy, "
        "proxy or firewall drops the traffic."
    )
    remediation = (
        "Find the target in the evidence (host and port), check that its pod and "
        "service exist and have endpoints, test from the calling pod (`kubectl exec ... "
        "-- wget -qO- URL`), and review network policies and proxy settings."
    )
    docs = ("https://github.com/kubecost/docs/blob/final/troubleshooting/troubleshoot-install.md",)
