"""Rule: optional settings files and configmaps that are absent are reported harmlessly."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule, Tier


@register
class BenignOptionalConfigMissing(Rule):
    """Optional configuration not present (benign)."""

    id = "benign-optional-config-missing"
    title = "Optional configuration not present (benign)"
    category = "helm-config"
    severity = Severity.INFO
    tier = Tier.BENIGN
    specificity = 0
    generic = True
    patterns = (
        r"(?i)failed to (?:locate|find|load) azure storage config",
        r"/var/azure-storage-config/",
        r"configmaps? \\?\"[\w.-]{1,100}\\?\" not found",
        r"(?i)unable to find params for storageClassName",
        r"(?i)no [\w-]{1,60} configmap found at install time",
    )
    exclude_regex = r"(?i)cloud-integration|federated-store|service-key"
    explanation = (
        "Kubecost looks for optional configuration (Azure storage config, pricing or "
        "report configmaps, storage-class parameters) and logs an error-looking line "
        "when it is absent. Defaults are used; nothing is broken."
    )
    remediation = (
        "Nothing to do unless you meant to configure that feature; then create the "
        "configmap or secret named in the message."
    )
    docs = ("https://github.com/opencost/opencost/issues/1638",)
