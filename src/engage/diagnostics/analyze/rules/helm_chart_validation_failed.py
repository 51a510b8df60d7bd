"""Rule: the Kubecost chart refuses the values (its own `fail` checks) or Helm fails."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class HelmChartValidationFailed(Rule):
    """`Error: execution error at (cost-analyzer/templates/...)` and failed installs."""

    id = "helm-chart-validation-failed"
    title = "Helm install/upgrade rejected by the chart"
    category = "helm-config"
    severity = Severity.ERROR
    specificity = 2
    patterns = (
        r"Error: parse error in \\?\"[^\n]{0,200}\\?\": template: ",
        r"error validating data: ValidationError",
        r"execution error at \((?:cost-analyzer|kubecost)/templates/",
        r"(?:INSTALLATION|UPGRADE) FAILED",
    )
    explanation = (
        "The chart validates values and stops with a message when a setting is "
        "missing or contradictory: a unique `cluster_id` per cluster with "
        "federation, a cloud-integration secret without the expected key, "
        "`global.clusterId` required by 3.x, and similar. The message says which."
    )
    remediation = (
        "Fix the value named in the message and run `helm upgrade` again; compare "
        "with `helm get values -a` and the chart's values.yaml for the target version."
    )
    docs = ("https://github.com/kubecost/kubecost",)
