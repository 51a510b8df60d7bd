"""Rule: node, spot or reserved pricing cannot be read, so default prices are used."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class CloudPricingFallback(Rule):
    """Node or spot pricing falls back to defaults."""

    id = "cloud-pricing-fallback"
    title = "Node or spot pricing falls back to defaults"
    category = "cloud-integration"
    severity = Severity.WARNING
    specificity = 2
    anchors = (
        "spot feed",
        "spot data",
        "no pricing",
        "preemptible",
        "RateCard",
        "price sheet",
        "pricing",
    )
    patterns = (
        r"(?i)no pricing data found for",
        r"(?i)error getting (?:node|cloud|spot|reserved)[\w ]{0,20}pricing",
        r"(?i)invalid pricing key",
        r"(?i)failed to (?:download|load|fetch|get|parse) [\w ]{0,30}pric(?:ing|es?)",
        r"(?i)(?:using|falling back to|fall back to) (?:the )?(?:default|custom|list|"
        r"on-demand) pric",
        r"RateCardClient|price ?sheet download|Error downloading Azure price sheet",
        r"(?i)error parsing (?:cpu|ram|gpu|storage|node)Cost",
        r"(?i)(?:marked preemptible|spot)[^\n]{0,80}no data in spot feed",
        r"(?i)found 0 spot data files",
        r"(?i)spot (?:data )?feed[^\n]{0,120}(?:error|failed|not (?:found|configured)|"
        r"AccessDenied)",
        r"(?i)(?:pricing|price) (?:api|source|data)[^\n]{0,100}(?:unavailable|error|failed|"
        r"timed out)",
    )
    explanation = (
        "Kubecost could not read prices from the cloud provider (pricing API, price "
        "sheet, RateCard, spot data feed or reserved instance data) and falls back to "
        "default or list prices. Costs still appear but do not match the bill."
    )
    remediation = (
        "Check the cloud integration credentials and the pricing settings "
        "(`kubecostProductConfigs`, spot feed bucket and prefix, Azure billing "
        "account/offer), and that the cost-model pod can reach the pricing endpoints; "
        "reconcile with the billing integration afterwards."
    )
    docs = (
        "https://github.com/kubecost/docs/blob/final/troubleshooting/aws-spot-instances.md",
        "https://github.com/opencost/opencost/issues/2433",
    )
