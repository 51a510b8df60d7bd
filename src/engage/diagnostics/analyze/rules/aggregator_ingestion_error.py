"""Rule: the aggregator fails to ingest or derive data from the federated store."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class AggregatorIngestionError(Rule):
    """Ingestor insert errors, parquet write failures, derivation failures."""

    id = "aggregator-ingestion-error"
    title = "Aggregator ingestion or derivation errors"
    category = "aggregator"
    severity = Severity.ERROR
    specificity = -1
    patterns = (
        r"Ingestor: [^\n]{0,60}error",
        r"failed to write parquet",
        r"(?i)(?:ingestion|derivation) (?:failed|error)",
        r"(?i)error (?:deriving|ingesting) ",
    )
    exclude_regex = r"CloudCost\["
    explanation = (
        "The aggregator could not turn ETL files from the bucket into database rows, "
        "so the UI and API miss the affected clusters or days."
    )
    remediation = (
        "Fix the underlying error shown (permissions on /var/configs/waterfowl, disk "
        "space, object-store access); check `/model/debug/orchestrator` and "
        "`/model/debug/ingestionRecords` to confirm ingestion resumes."
    )
    docs = (
        "https://github.com/kubecost/kubecost/pull/2953",
        "https://github.com/kubecost/docs/blob/final/troubleshooting/aggregator.md",
    )
