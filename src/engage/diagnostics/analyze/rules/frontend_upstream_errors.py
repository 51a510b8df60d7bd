"""Rule: the frontend's nginx gets errors or timeouts from its upstreams."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class FrontendUpstreamErrors(Rule):
    """Upstream connection refused / timed out / prematurely closed while proxying."""

    id = "frontend-upstream-errors"
    title = "Frontend (nginx) upstream errors"
    category = "networking"
    severity = Severity.WARNING
    specificity = 2
    anchors = ("prematurely closed", "no live upstreams")
    patterns = (
        r"upstream timed out \([0-9]+: ",
        r"connect\(\) failed \([0-9]+: [^)\n]{1,80}\) while connecting to upstream",
        r"no live upstreams while connecting to upstream",
        r"recv\(\) failed \([0-9]+: [^)\n]{1,80}\) while reading response header from upstream",
        r"upstream timed out \(110",
        r"connect\(\) failed \(111: Connection refused\) while connecting to upstream",
        r"upstream prematurely closed connection",
    )
    explanation = (
        "nginx could not get answers from a backend (cost-model, aggregator, "
        "cloud-cost) in time. Slow or restarting backends cause UI errors and 502/504 "
        "responses."
    )
    remediation = (
        "Check the backend named in the message for restarts or long queries; raise "
        "nginx proxy timeouts for heavy queries if backends are healthy."
    )
    docs = ("https://github.com/kubecost/docs/blob/final/troubleshooting/http-troubleshooting.md",)
