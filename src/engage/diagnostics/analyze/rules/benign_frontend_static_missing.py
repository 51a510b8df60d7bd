"""Rule: nginx logs requests for files it does not serve (scrapers, favicon)."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule, Tier


@register
class BenignFrontendStaticMissing(Rule):
    """Frontend requests for missing static files (benign)."""

    id = "benign-frontend-static-missing"
    title = "Frontend requests for missing static files (benign)"
    category = "networking"
    severity = Severity.INFO
    tier = Tier.BENIGN
    specificity = 0
    kubecost_only = False
    patterns = (
        r"open\(\) \\?\"[^\n]{1,200}\\?\" failed \(2: No such file or directory\)",
        r"(?i)favicon\.ico[^\n]{0,100}(?:not found|failed)",
    )
    explanation = (
        "The frontend nginx logs an [error] when something requests a path it has no "
        "file for, such as a Prometheus scraper asking for /metrics. The UI is not "
        "affected."
    )
    remediation = (
        "Nothing to do; remove the scrape target or annotation that points at the "
        "frontend if the noise bothers you."
    )
    docs = ("https://github.com/kubecost/cost-analyzer-helm-chart/issues/349",)
