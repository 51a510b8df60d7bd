"""Rule: the aggregator cannot open or migrate its database."""

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Rule


@register
class AggregatorDbMigration(Rule):
    """Schema migrations missing (downgrade), dirty migrations or DB open failures."""

    id = "aggregator-db-open-failed"
    title = "Aggregator database cannot be opened or migrated"
    category = "aggregator"
    severity = Severity.CRITICAL
    specificity = 2
    anchors = (
        "no migration found",
        "Dirty database",
        "migrating up",
        "migrating down",
        "initial open of DB",
    )
    patterns = (
        r"error doing initial open of DB",
        r"no migration found for version",
        r"migrating (?:up|down): ",
        r"(?i)Dirty database version",
        r"error opening db at path",
        r"(?i)(?:duckdb|clickhouse)[^\n]{0,100}(?:corrupt|cannot open|failed to open)",
    )
    explanation = (
        "The aggregator could not open its database. A migration that the running "
        "binary does not know means the database was written by a newer Kubecost "
        "(a downgrade); other causes are a corrupt or locked file. The aggregator "
        "serves no data until this is fixed."
    )
    remediation = (
        "Go back to the version that wrote the database, or reset it: scale the "
        "aggregator to 0, delete its `aggregator-db-storage` PVC, scale back to 1 and "
        "let it re-ingest. Take a copy of the `.read` DB for support first "
        "(kubecost-utilities aggregator-backup)."
    )
    docs = (
        "https://github.com/kubecost/features-bugs/issues/72",
        "https://github.com/kubecost/kubecost-utilities/tree/main/aggregator-backup",
    )
