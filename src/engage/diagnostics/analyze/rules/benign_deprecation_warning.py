"""Rule: Kubernetes API deprecation warnings printed by kubectl or Helm."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule, Tier


@register
class BenignDeprecationWarning(Rule):
    """API deprecation warnings (benign)."""

    id = "benign-deprecation-warning"
    title = "API deprecation warnings (benign)"
    category = "version"
    severity = Severity.INFO
    tier = Tier.BENIGN
    specificity = 0
    kubecost_only = False
    patterns = (
        r"is deprecated in v1\.[0-9]+\+, unavailable in v1\.[0-9]+\+",
        r"warnings\.go:[0-9]+\][^\n]{0,200}deprecated",
    )
    explanation = (
        "kubectl and Helm print a warning whenever a deprecated API version is used. It "
        "is a notice for future upgrades, not an error of this install."
    )
    remediation = (
        "Nothing to do now; plan to move to a chart version that uses the newer API "
        "before upgrading Kubernetes past the version named."
    )
    docs = (
        "https://github.com/kubecost/docs/blob/final/install-and-configure/install/helm-install-params.md",
    )
