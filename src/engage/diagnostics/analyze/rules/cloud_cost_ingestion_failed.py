"""Rule: cloud-cost ingestion fails (any provider) or the integration status is not healthy."""

from collections.abc import Iterator

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Hit, InstanceData, Rule, Tier

_OK = {"successful", "initial", "in progress", ""}


@register
class CloudCostIngestionFailed(Rule):
    """Fallback for cloud-cost build failures plus `/model/cloudCost/status` problems."""

    id = "cloud-cost-ingestion-failed"
    title = "Cloud cost ingestion fails"
    category = "cloud-integration"
    severity = Severity.ERROR
    specificity = -1
    tier = Tier.FALLBACK
    patterns = (
        r"CloudCost\[[^\]\n]{0,200}\]: ingestor: [^\n]{0,40}fail",
        r"(?i)cloud-integration\.json[^\n]{0,100}(?:error|invalid|not found|no such file)",
        r"(?i)cloud ?cost[^\n]{0,100}integration[^\n]{0,100}(?:failed|error)",
    )
    explanation = (
        "The cloud-cost pipeline could not build cloud costs for one or more windows, "
        "so the Cloud Costs view and reconciled asset costs are missing."
    )
    remediation = (
        "Read the provider error in the message; check `/model/cloudCost/status` and "
        "`/model/cloud/config/test`, fix the integration, then run "
        "`/model/cloudCost/repair`."
    )
    docs = ("https://github.com/kubecost/docs/blob/final/troubleshooting/etl-repair.md",)

    def evaluate(self, data: InstanceData) -> Iterator[Hit]:
        """Integrations in `/model/cloudCost/status` whose connection status is not healthy."""
        found = data.api.get("cloudCost-status")
        if found is None:
            return
        path, status = found
        items = status if isinstance(status, list) else [status]
        for item in items:
            if not isinstance(item, dict):
                continue
            state = str(item.get("connectionStatus") or "")
            if state.lower() not in _OK:
                name = item.get("key") or item.get("source") or item.get("provider") or "?"
                yield Hit(
                    path,
                    None,
                    f"integration {name}: connectionStatus {state}"[:400],
                    str(item.get("lastRun") or "") or None,
                )
