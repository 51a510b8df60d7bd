"""Rule: cost-model cannot find the network-costs pods."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class NetworkCostsPodsMissing(Rule):
    """`Failed to locate network pods` and related lookups."""

    id = "network-costs-pods-missing"
    title = "network-costs pods not found"
    category = "network-costs"
    severity = Severity.ERROR
    specificity = 2
    anchors = ("network pods",)
    patterns = (
        r"Failed to locate network pods",
        r"(?i)network[- ]costs? (?:daemonset|pods?)[^\n]{0,80}not found",
    )
    explanation = (
        "cost-model looks up the network-costs daemonset pods by label (derived from "
        "the release name). When the daemonset is not deployed, or deployed with a "
        "different release name or labels, network costs are not collected."
    )
    remediation = (
        "Enable `networkCosts.enabled: true` in the same release, check that the "
        "daemonset pods are Running on every node, and that their labels match the "
        "release name."
    )
    docs = ("https://github.com/opencost/opencost/issues/257",)
