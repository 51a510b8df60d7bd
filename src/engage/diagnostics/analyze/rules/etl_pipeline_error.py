"""Rule: the allocation/asset/cloud ETL pipeline reports build, save or reconcile errors."""

from collections.abc import Iterator

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Hit, InstanceData, Rule

_ERROR_EVENTS = (
    "AllocationSetComputeError",
    "AssetSetComputeError",
    "AssetSetReconcileError",
    "AllocationSetSaveError",
    "AssetSetSaveError",
)


@register
class EtlPipelineError(Rule):
    """ETL build/reconcile errors in logs or the `/model/etl/log` event list."""

    id = "etl-pipeline-error"
    title = "ETL pipeline errors"
    category = "etl"
    severity = Severity.ERROR
    specificity = -1
    patterns = (
        r"ETL: [A-Za-z]+(?:\[[^\]\n]{0,60}\])?: [^\n]{0,200}(?:[Ee]rror|failed)",
        r"(?:Allocation|Asset)Set(?:Compute|Reconcile|Save|Load)Error",
        r"(?i)error (?:computing|building|loading|saving|reconciling) (?:allocation|asset)",
    )
    explanation = (
        "An ETL pipeline (allocations, assets or cloud assets) failed to build, "
        "reconcile or store a window. Reports for the affected windows are missing "
        "or incomplete until the cause is fixed and the windows are repaired."
    )
    remediation = (
        "Read the error next to it (Prometheus, storage or cloud errors usually come "
        "first), fix that, then repair with `/model/etl/allocation/repair?window=...` "
        "or `/model/etl/asset/repair?window=...`."
    )
    docs = ("https://github.com/kubecost/docs/blob/final/troubleshooting/etl-repair.md",)

    def evaluate(self, data: InstanceData) -> Iterator[Hit]:
        """Error events in `/model/etl/log` output."""
        found = data.api.get("etl-log")
        if found is None:
            return
        path, log = found
        for event in _events(log):
            kind = str(event.get("type") or event.get("kind") or event.get("event") or "")
            if kind in _ERROR_EVENTS or kind.endswith("Error"):
                message = event.get("message") or event.get("error") or ""
                yield Hit(
                    path,
                    None,
                    f"{kind}: {message}"[:400],
                    str(event.get("time") or event.get("timestamp") or "") or None,
                )


def _events(log: object) -> list[dict[str, object]]:
    if isinstance(log, dict):
        for key in ("events", "log", "items"):
            if isinstance(log.get(key), list):
                log = log[key]
                break
    return [e for e in log if isinstance(e, dict)] if isinstance(log, list) else []
