"""Rule: `kubecostModel.utcOffset` left in values."""

from collections.abc import Iterator

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Hit, InstanceData, Rule, dig


@register
class HelmUtcOffsetLeftover(Rule):
    """A 1.x-era setting that shifts day boundaries and confuses daily windows."""

    id = "helm-utc-offset-leftover"
    title = "kubecostModel.utcOffset is set"
    category = "helm-config"
    severity = Severity.WARNING
    explanation = (
        "`kubecostModel.utcOffset` is a leftover from older values files. Shifting the "
        "ETL day boundary away from UTC makes daily windows disagree with the "
        "aggregator and cloud bills, which shows as gaps or double counts."
    )
    remediation = (
        "Remove `kubecostModel.utcOffset` from the values and repair the ETL for the "
        "affected days after the upgrade."
    )
    docs = ("https://github.com/kubecost/features-bugs/issues/99",)

    def evaluate(self, data: InstanceData) -> Iterator[Hit]:
        """utcOffset present and not empty."""
        for path, values in data.values:
            offset = dig(values, "kubecostModel", "utcOffset")
            if offset not in (None, "", "+00:00", "Z"):
                yield Hit(path, None, f"kubecostModel.utcOffset: {offset!r}")
