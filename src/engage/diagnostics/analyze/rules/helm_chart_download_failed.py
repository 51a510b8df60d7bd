"""Rule: the chart or its OCI image cannot be downloaded."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class HelmChartDownloadFailed(Rule):
    """Helm cannot download the Kubecost chart."""

    id = "helm-chart-download-failed"
    title = "Helm cannot download the Kubecost chart"
    category = "helm-config"
    severity = Severity.ERROR
    specificity = 2
    patterns = (
        r"Error: (?:[A-Z ]+FAILED: )?(?:failed to|could not) (?:download|fetch|pull|"
        r"load) [^\n]{0,300}(?:cost-analyzer|kubecost|opencost|oci://|\.tgz)",
        r"(?i)\bchart\b[^\n]{0,100}(?:not found|no such chart|failed to fetch)",
        r"(?i)Error: no cached repo found|"
        r"looks like \\?\"[^\n]{1,200}\\?\" is not a valid chart repository",
    )
    explanation = (
        "Helm could not fetch the Kubecost chart: the version does not exist in that "
        "repository or registry, the repository URL is outdated, or the network/proxy "
        "blocks it."
    )
    remediation = (
        "Run `helm repo update` and `helm search repo kubecost --versions` (or check "
        "the OCI registry tags), use an existing version, and configure the proxy or a "
        "mirror for air-gapped installs."
    )
    docs = (
        "https://github.com/kubecost/docs/blob/final/install-and-configure/install/helm-install-params.md",
    )
