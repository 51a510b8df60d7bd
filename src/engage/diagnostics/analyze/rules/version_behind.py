"""Rule: the running Kubecost version is supported but not the latest."""

from collections.abc import Iterator

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Hit, InstanceData, Rule
from engage.diagnostics.analyze.rules.version_unsupported import verdict_for, verdict_hit


@register
class VersionBehind(Rule):
    """Within the supported lines but behind the newest release."""

    id = "version-behind"
    title = "Kubecost version is supported but behind"
    category = "version"
    severity = Severity.INFO
    explanation = (
        "This install runs a supported release, but newer patch or minor releases exist with fixes."
    )
    remediation = "Plan an upgrade to the latest release shown."
    docs = ("https://github.com/kubecost/kubecost/releases",)

    def evaluate(self, data: InstanceData) -> Iterator[Hit]:
        """Verdict 'behind' for the instance version."""
        verdict = verdict_for(data)
        if verdict is not None and verdict.verdict == "behind":
            yield verdict_hit(data, verdict)
