"""Rule: "failed to parse vmss number" from the Azure provider is benign noise."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule, Tier


@register
class AzureVmssNoise(Rule):
    """Logged for VMs that are not scale-set members; not the cause of cost problems."""

    id = "azure-vmss-parse-noise"
    title = "Azure VMSS name parsing messages (benign)"
    category = "cloud-integration"
    severity = Severity.INFO
    tier = Tier.BENIGN
    patterns = (r"failed to parse vmss number",)
    explanation = (
        "The Azure provider tries to read a scale-set instance number from every VM "
        "name and logs an error when there is none. Reports show it next to broken "
        "Cloud Costs views, but it is not their cause."
    )
    remediation = (
        "Ignore it; look at the cloud-cost container logs and `/model/cloudCost/status` "
        "for the actual cloud integration error."
    )
    docs = ("https://github.com/kubecost/kubecost/issues/2205",)
