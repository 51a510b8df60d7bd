"""Rule: draining nodes (e.g. cluster-turndown) is blocked by PodDisruptionBudgets."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class PodEvictionBlocked(Rule):
    """Pod evictions blocked by disruption budgets."""

    id = "pod-eviction-blocked"
    title = "Pod evictions blocked by disruption budgets"
    category = "pod-health"
    severity = Severity.WARNING
    specificity = 2
    generic = True
    patterns = (
        r"(?i)cannot evict pod as it would violate the pod.s disruption budget",
        r"(?i)evict[^\n]{0,200}(?:disruption budget|PodDisruptionBudget|pdb)",
        r"(?i)(?:drain|turndown)[^\n]{0,200}(?:error|failed|timed out)",
    )
    explanation = (
        "Draining a node to scale it down failed because evicting a pod would break its "
        "PodDisruptionBudget. Turndown or right-sizing then stops half way."
    )
    remediation = (
        "Relax or temporarily remove the blocking PodDisruptionBudget (it allows zero "
        "disruptions), or exclude those nodes from turndown."
    )
    docs = (
        "https://github.com/kubecost/docs/blob/final/using-kubecost/navigating-the-kubecost-ui/savings/cluster-turndown.md",
    )
