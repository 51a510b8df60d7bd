"""Rule: the Kubecost license or product key does not cover the install."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class LicenseProblem(Rule):
    """Core-count limits, expired trials or invalid product keys."""

    id = "license-limit-or-invalid"
    title = "License limit exceeded or license not recognised"
    category = "license"
    severity = Severity.ERROR
    specificity = 2
    anchors = ("core count", "non-enterprise", "enterprise feature")
    patterns = (
        r"(?i)(?:found|is) an? (?:paid )?enterprise feature",
        r"(?i)upgrade to (?:explore|unlock|enterprise)",
        r"Current core count of [0-9]+ is greater than the maximum of [0-9]+",
        r"(?i)for a non-enterprise license",
        r"(?i)(?:license|product key)[^\n]{0,100}(?:expired|invalid|not valid|exceeded)",
        r"(?i)(?:trial|license) (?:has )?expired",
    )
    explanation = (
        "Kubecost does not see a license that covers this install (too many cores "
        "for the tier it detected, expired trial or invalid key), and limits "
        "features or data accordingly."
    )
    remediation = (
        "Check the product key (`kubecostProductConfigs.productKey` or its secret), "
        "that it reached the aggregator (`/model/trialStatus`), and contact Kubecost "
        "if the tier shown does not match the contract."
    )
    docs = ("https://github.com/kubecost/kubecost/issues/4559",)
