"""Rule: ETL builds produce empty sets or cannot match assets and allocations."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class EtlDataGaps(Rule):
    """ETL sets are empty or do not match."""

    id = "etl-data-gaps"
    title = "ETL sets are empty or do not match"
    category = "etl"
    severity = Severity.WARNING
    specificity = 1
    anchors = ("Set is empty",)
    patterns = (
        r"(?:CloudUsage|Allocation|Asset|CloudCost)Set is empty",
        r"(?i)did not find (?:allocations|assets) for (?:asset|allocation) key",
        r"(?i)(?:allocation|asset|cloud ?usage) ?set[^\n]{0,100}(?:did not update|is nil|missing)",
    )
    explanation = (
        "The ETL ran but had nothing to build (no cloud usage for the day, empty "
        "allocations) or could not match assets to allocations, so costs for those "
        "windows are incomplete."
    )
    remediation = (
        "Check that the billing integration delivers data for the days shown and that "
        "the cluster and provider ids match between Prometheus metrics and the bill; "
        "repair the windows once the source data is there."
    )
    docs = ("https://github.com/kubecost/docs/blob/final/troubleshooting/etl-repair.md",)
