"""Rule: AWS cloud integration: the CUR table lacks columns Kubecost queries."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class AwsCurMissingColumns(Rule):
    """Athena SYNTAX_ERROR / COLUMN_NOT_FOUND on CUR columns (e.g. resource ids)."""

    id = "aws-cur-missing-columns"
    title = "AWS CUR is missing columns (e.g. resource IDs)"
    category = "cloud-integration"
    severity = Severity.ERROR
    specificity = 2
    anchors = ("COLUMN_NOT_FOUND",)
    patterns = (
        r"SYNTAX_ERROR: line [0-9]+:[0-9]+: Column '[^'\n]{1,200}' cannot be resolved",
        r"COLUMN_NOT_FOUND: ",
    )
    explanation = (
        "Athena rejected Kubecost's query because the CUR table has no such column. "
        "The report was usually created without 'Include resource IDs' (or another "
        "required option), so costs cannot be matched to nodes and volumes."
    )
    remediation = (
        "Create a new CUR with resource IDs included (hourly, Athena integration), "
        "point the Athena table at it and wait for the first delivery."
    )
    docs = (
        "https://github.com/kubecost/docs/blob/final/install-and-configure/install/"
        "cloud-integration/aws-cloud-integrations/aws-cloud-integrations.md",
    )
