"""Rule: in-cluster DNS lookups of services fail."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class ServiceDnsLookupFailed(Rule):
    """`dial tcp: lookup <host>: no such host` and similar resolver failures."""

    id = "service-dns-lookup-failed"
    title = "DNS lookups fail"
    category = "networking"
    severity = Severity.ERROR
    specificity = -1
    patterns = (
        r"dial tcp: lookup [^\n ]{1,253}[^\n]{0,120}: (?:no such host|server misbehaving|"
        r"i/o timeout)",
    )
    explanation = (
        "A Kubecost component could not resolve a host name: a service that does not "
        "exist (wrong name or namespace), cluster DNS problems, or egress DNS blocked."
    )
    remediation = (
        "Resolve the name from inside the pod (`nslookup`), check the configured "
        "addresses and the cluster DNS suffix, and CoreDNS health."
    )
    docs = ("https://github.com/kubecost/docs/blob/final/troubleshooting/http-troubleshooting.md",)
