"""Rule: ETL notices about backups, share coefficients and windows that need no action."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule, Tier


@register
class BenignEtlWindowNoise(Rule):
    """ETL window and backup notices (benign)."""

    id = "benign-etl-window-noise"
    title = "ETL window and backup notices (benign)"
    category = "etl"
    severity = Severity.INFO
    tier = Tier.BENIGN
    specificity = 0
    patterns = (
        r"(?i)failed to load range from back ?up",
        r"(?i)error getting share coeffici",
        r"(?i)\b(?:start|end) outside window",
        r"(?i)Query result missing field|field does not exist in data result vector",
    )
    explanation = (
        "These ETL messages look like errors but describe normal situations: a backup "
        "that does not exist yet, idle sharing without data, a resource that started or "
        "ended outside the window, or an optional metric field that is missing (e.g. on "
        "Fargate)."
    )
    remediation = "Nothing to do; look for other ETL errors if data is really missing."
    docs = ("https://github.com/kubecost/docs/blob/final/troubleshooting/etl-repair.md",)
