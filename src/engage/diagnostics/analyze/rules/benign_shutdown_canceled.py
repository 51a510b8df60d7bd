"""Rule: "context canceled" during shutdown or client disconnects is benign."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule, Tier


@register
class BenignShutdownCanceled(Rule):
    """Requests canceled because the pod stops or the browser went away."""

    id = "benign-context-canceled"
    title = "Canceled requests (benign)"
    category = "pod-health"
    severity = Severity.INFO
    tier = Tier.BENIGN
    patterns = (
        r"context canceled",
        r"(?i)shutting down (?:gracefully|server)",
        r"(?i)received (?:SIGTERM|terminated signal)",
    )
    # a canceled Prometheus query or ETL step is a real failure, not shutdown noise
    exclude_regex = (
        r"(?i)prometheus|deadline|ingest|ETL|CloudCost|query|semaphore|worker|append row"
    )
    explanation = (
        "When a pod is stopped, or a browser leaves a page while a query runs, "
        "in-flight work ends with `context canceled`. These lines are expected and "
        "do not show a fault by themselves."
    )
    remediation = "Nothing to do; only frequent restarts around them deserve a look."
    docs = ("https://github.com/kubecost/docs/blob/final/troubleshooting/troubleshoot-install.md",)
