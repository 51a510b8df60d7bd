"""Rule: Kubecost's service account lacks Kubernetes RBAC permissions."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class KubernetesRbacForbidden(Rule):
    """`... is forbidden: User "system:serviceaccount:..." cannot list resource ...`."""

    id = "kubernetes-rbac-forbidden"
    title = "Kubernetes API denies Kubecost's service account"
    category = "auth"
    severity = Severity.ERROR
    patterns = (
        r"is forbidden: User \\?\"system:serviceaccount:[^\n]{0,80}"
        r"(?:kubecost|cost-analyzer|cost-model|aggregator|cloud-cost|opencost|finops)",
    )
    explanation = (
        "The Kubernetes API refused a list/watch of Kubecost's service account, so "
        "the objects it needs (pods, nodes, PVs, logs for bug reports) are invisible "
        "and costs or diagnostics are incomplete."
    )
    remediation = (
        "Re-apply the chart's ClusterRole/Role bindings (check `rbac.create` or custom "
        "RBAC), and that the pods use the chart's service account."
    )
    docs = ("https://github.com/kubecost/docs/blob/final/troubleshooting/bug-report.md",)
