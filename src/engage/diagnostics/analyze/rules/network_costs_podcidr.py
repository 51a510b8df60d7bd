"""Rule: the network-costs daemon cannot read pod or service CIDRs."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class NetworkCostsPodCidr(Rule):
    """Network-costs cannot parse or find pod CIDRs."""

    id = "network-costs-podcidr"
    title = "Network-costs cannot parse or find pod CIDRs"
    category = "network-costs"
    severity = Severity.WARNING
    specificity = 2
    patterns = (
        r"(?i)pod ?cidrs?[^\n]{0,200}(?:error|failed|invalid|parse|not found|missing|could not|"
        r"unable)",
        r"(?i)(?:error|failed|invalid|parse|could not|unable)[^\n]{0,200}pod ?cidrs?",
        r"(?i)(?:service|cluster) cidr[^\n]{0,120}(?:invalid|parse|error)",
    )
    explanation = (
        "network-costs classifies traffic as in-cluster, cross-zone or internet using "
        "the cluster's pod and service CIDRs. When it cannot parse or find them (CNI "
        "without node.spec.podCIDR, dual-stack, custom ranges) traffic is "
        "misclassified."
    )
    remediation = (
        "Set the destinations in the network-costs config "
        "(`networkCosts.config.destinations.in-zone` etc.) to the cluster's pod and "
        "service CIDRs, and check the node objects carry `spec.podCIDR(s)`."
    )
    docs = (
        "https://github.com/kubecost/docs/blob/final/install-and-configure/advanced-configuration/network-costs-configuration.md",
    )
