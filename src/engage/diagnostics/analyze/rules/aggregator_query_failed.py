"""Rule: the aggregator's database queries fail or its workers are cancelled."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class AggregatorQueryFailed(Rule):
    """Aggregator database queries or workers fail."""

    id = "aggregator-query-failed"
    title = "Aggregator database queries or workers fail"
    category = "aggregator"
    severity = Severity.ERROR
    specificity = 2
    anchors = ("context cancel", "semaphore", "clickhouse", "_EXCEEDED")
    patterns = (
        r"(?i)clickhouse[^\n]{0,200}(?:code: [0-9]+|exception|error|failed|_EXCEEDED)",
        r"(?:MEMORY_LIMIT_EXCEEDED|TOO_MANY_SIMULTANEOUS_QUERIES|TIMEOUT_EXCEEDED|UNKNOWN_TABLE)",
        r"(?:Binder|Parser|Catalog|Conversion|Invalid Input|Constraint|Out of Memory|IO|"
        r"Serialization) Error: ",
        r"error querying (?:DB|via querysvc)|querysvc[^\n]{0,100}(?:error|fail)",
        r"acquiring max concurrency semaphore|append row Failure",
        r"(?i)(?:asset|allocation|cloud ?cost|cost|ingestion|derivation) worker context cancel+ed",
        r"(?i)duckdb[^\n]{0,200}(?:error|failed|Failure)",
        r"(?i)(?:orchestrator|waterfowl)[^\n]{0,200}(?:error|failed)",
    )
    explanation = (
        "The aggregator could not answer queries from its database (DuckDB "
        "binder/parser errors after an upgrade, schema drift) or its ingestion workers "
        "were cancelled (restarts, concurrency limits, memory pressure). The UI then "
        "shows errors or empty data."
    )
    remediation = (
        "Check the aggregator version against its database (a schema change after "
        "upgrade may need a DB rebuild), its memory and restarts, and "
        "`/model/debug/orchestrator`; repeated Binder/Parser errors usually need the "
        "aggregator DB to be rebuilt from the bucket."
    )
    docs = ("https://github.com/kubecost/docs/blob/final/troubleshooting/aggregator.md",)
