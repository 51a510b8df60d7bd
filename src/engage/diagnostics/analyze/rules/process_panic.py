"""Rule: a Kubecost process panicked (fallback when no more specific rule explains it)."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule, Tier


@register
class ProcessPanic(Rule):
    """Go panics and fatal errors."""

    id = "process-panic"
    title = "Process panicked"
    category = "pod-health"
    severity = Severity.ERROR
    tier = Tier.FALLBACK
    anchors = ("goroutine",)
    patterns = (
        r"^panic: ",
        r"panic: runtime error",
        r"goroutine [0-9]+ \[running\]:",
        r"^fatal error: ",
        r"[0-9Z] FTL ",
    )
    explanation = (
        "A Kubecost process crashed with a panic or fatal error and was restarted. "
        "The lines around it name the failing code path."
    )
    remediation = (
        "Send the panic with the surrounding log lines and the version to support; "
        "check for a newer patch release that fixes it."
    )
    docs = ("https://github.com/kubecost/kubecost/releases",)
