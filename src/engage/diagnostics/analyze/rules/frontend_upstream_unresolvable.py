"""Rule: the frontend's nginx cannot resolve an upstream service name."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class FrontendUpstreamUnresolvable(Rule):
    """nginx refuses to start (or to route) because an upstream host does not resolve."""

    id = "frontend-upstream-unresolvable"
    title = "Frontend (nginx) cannot resolve an upstream"
    category = "networking"
    severity = Severity.CRITICAL
    specificity = 2
    anchors = ("no resolver defined", "host not found in upstream")
    patterns = (
        r"host not found in upstream",
        r"no resolver defined to resolve",
        r"could not be resolved \([0-9]+: [^)\n]{1,80}\)",
    )
    explanation = (
        "nginx in the frontend resolves the cost-model / aggregator service names at "
        "start-up; when a name does not resolve (service missing, renamed release, "
        "wrong namespace, cluster DNS suffix or DNS down) nginx exits and the UI is "
        "unavailable."
    )
    remediation = (
        "Check that the service named in the message exists in that namespace, that "
        "cluster DNS works from the frontend pod, and custom `kubecostFrontend` "
        "upstream or IPv6/DNS-suffix settings."
    )
    docs = ("https://github.com/kubecost/kubecost/issues/3727",)
