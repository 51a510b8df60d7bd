"""Rule: ETL "boundary error" lines are benign noise (a window outside the stored range)."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule, Tier


@register
class EtlBoundaryBenign(Rule):
    """Requested window outside the ETL's supported range: logged as an error, usually harmless."""

    id = "etl-boundary-benign"
    title = "ETL boundary errors (usually benign)"
    category = "etl"
    severity = Severity.INFO
    tier = Tier.BENIGN
    patterns = (r"boundary error: requested \[", r"(?i)boundary error[^\n]{0,40}supported \[")
    explanation = (
        "Kubecost logs a `boundary error` when something (reconciliation, a report, a "
        "query) asks for a window outside the range the ETL currently holds, e.g. "
        "before the install date or beyond retention. It looks alarming but does not "
        "mean data is being lost."
    )
    remediation = (
        "Nothing to do unless the supported range shown in the message stays far "
        "behind today's date; then look for the real ETL errors around it and repair "
        "the missing windows."
    )
    docs = (
        "https://github.com/opencost/opencost/issues/1171",
        "https://github.com/kubecost/docs/blob/final/troubleshooting/etl-repair.md",
    )
