"""Rule: Helm cannot render objects whose API was removed from the cluster's Kubernetes."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class HelmRemovedKubernetesApi(Rule):
    """`no matches for kind "PodSecurityPolicy" in version "policy/v1beta1"` and similar."""

    id = "helm-removed-kubernetes-api"
    title = "Chart uses a Kubernetes API the cluster no longer serves"
    category = "helm-config"
    severity = Severity.ERROR
    specificity = 2
    anchors = ("no matches for kind", "resource mapping not found")
    patterns = (
        r"no matches for kind \\?\"[A-Za-z]+\\?\" in version",
        r"resource mapping not found for name",
    )
    explanation = (
        "The release manifest contains an object kind/version the cluster does not "
        "serve (e.g. PodSecurityPolicy after Kubernetes 1.25), so Helm aborts the "
        "install or upgrade."
    )
    remediation = (
        "Disable the objects in values (e.g. `podSecurityPolicy.enabled: false` and "
        "the same for bundled Grafana/Prometheus) or upgrade to a chart version that "
        "no longer ships them."
    )
    docs = ("https://github.com/kubecost/docs/blob/final/troubleshooting/troubleshoot-install.md",)
