"""Rule: network-costs cannot classify traffic because node zones are unknown."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class NetworkCostsZoneUnknown(Rule):
    """The network-costs classifier cannot locate a node's zone or region."""

    id = "network-costs-zone-unknown"
    title = "network-costs cannot determine node zones"
    category = "network-costs"
    severity = Severity.WARNING
    specificity = 2
    patterns = (
        r"Could not locate (?:zone|region) for",
        r"network_classifier[^\n]{0,200}(?:ERROR|[Ee]rror|Could not)",
        r"(?i)network.?costs?[^\n]{0,100}(?:failed to|could not) (?:classify|determine|locate)",
    )
    explanation = (
        "The network-costs daemon classifies traffic as in-zone, cross-zone or "
        "internet using node topology labels. Nodes without "
        "`topology.kubernetes.io/zone` (or region) labels make classification fail, "
        "so network costs are wrong or missing."
    )
    remediation = (
        "Label the nodes with `topology.kubernetes.io/zone` and `region` (cloud "
        "providers do this; on-prem clusters need it by hand) or configure "
        "`networkCosts.config` destinations."
    )
    docs = ("https://github.com/opencost/opencost/issues/3197",)
