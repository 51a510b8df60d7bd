"""Rule: multi-cluster diagnostics say the daily allocation or asset ETL is unhealthy."""

from collections.abc import Iterator

from engage.diagnostics.analyze.checks import failed_mcd_checks
from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Hit, InstanceData, Rule


@register
class DiagnosticsEtlUnhealthy(Rule):
    """`dailyAllocationEtlHealthy` / `dailyAssetEtlHealthy` failed."""

    id = "diagnostics-etl-unhealthy"
    title = "Diagnostics: daily ETL is unhealthy"
    category = "etl"
    severity = Severity.ERROR
    specificity = 2
    anchors = ("RunDiagnostic",)
    patterns = (r"RunDiagnostic: checkDaily[A-Za-z]*Etl",)
    explanation = (
        "The daily allocation or asset ETL of a cluster has empty or failed days, so "
        "reports for those days are missing or incomplete."
    )
    remediation = (
        "Find the cause in the cost-model logs (Prometheus errors, storage errors), "
        "fix it, then repair the affected windows with `/model/etl/allocation/repair` "
        "and `/model/etl/asset/repair`."
    )
    docs = (
        "https://github.com/kubecost/docs/blob/final/troubleshooting/etl-repair.md",
        "https://github.com/kubecost/docs/blob/final/troubleshooting/multi-cluster-diagnostics.md",
    )

    def evaluate(self, data: InstanceData) -> Iterator[Hit]:
        """Failed ETL health checks."""
        yield from failed_mcd_checks(data, ("dailyAllocationEtlHealthy", "dailyAssetEtlHealthy"))
