"""Rule: a Kubecost process ran out of memory (seen in its own logs)."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class ContainerOutOfMemory(Rule):
    """Go runtime out-of-memory, allocation failures, kernel OOM kills in logs."""

    id = "container-out-of-memory"
    title = "Process ran out of memory"
    category = "memory"
    severity = Severity.ERROR
    specificity = 2
    anchors = ("memory limit", "Exit Code")
    patterns = (
        r"(?i)exit ?code:?\s+137\b",
        r"runtime: out of memory",
        r"cannot allocate memory",
        r"Out of memory: Killed process",
        r"OOMKilled",
        r"(?i)memory limit (?:exceeded|reached)",
    )
    explanation = (
        "A Kubecost process could not allocate memory and died or was killed. Large "
        "clusters, long query windows or high-cardinality labels need more memory "
        "than the defaults."
    )
    remediation = (
        "Raise the memory limit of the component, check its heap profile "
        "(`/model/debug/pprof/heap`), and shorten heavy query windows."
    )
    docs = ("https://github.com/kubecost/docs/blob/final/troubleshooting/app-memory.md",)
