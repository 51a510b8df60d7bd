"""Rule: the running Kubecost version is outside the support policy."""

from collections.abc import Iterator
from functools import lru_cache

from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Hit, InstanceData, Rule
from engage.diagnostics.versions import ReleaseCatalogue, VersionError, VersionVerdict


@lru_cache(maxsize=1)
def _catalogue() -> ReleaseCatalogue:
    return ReleaseCatalogue.load()


def verdict_for(data: InstanceData) -> VersionVerdict | None:
    """The policy verdict for the instance's detected version (None when unknown)."""
    version = data.instance.version
    if not version:
        return None
    try:
        return _catalogue().check(version)
    except VersionError:
        return None


def verdict_hit(data: InstanceData, verdict: VersionVerdict) -> Hit:
    """A hit naming the version, the latest release and the upgrade path."""
    source = next((path for path, _found in data.versions), "") or data.instance.path or "-"
    path = " -> ".join(verdict.upgrade_path) or "-"
    notes = (" Notes: " + " ".join(verdict.notes)) if verdict.notes else ""
    return Hit(
        source,
        None,
        f"running {verdict.version}, latest {verdict.latest}; upgrade path: {path}.{notes}"[:400],
    )


@register
class VersionUnsupported(Rule):
    """Older than the current production release and the one before it."""

    id = "version-unsupported"
    title = "Kubecost version is no longer supported"
    category = "version"
    severity = Severity.WARNING
    explanation = (
        "Kubecost supports the current production release and one prior one. This "
        "install is older, so fixes are only available by upgrading, and support "
        "will ask for an upgrade first."
    )
    remediation = (
        "Upgrade along the path shown (2.x goes to 3.x through 2.9); check "
        "`engage versions check <version>` for the notable changes in between."
    )
    docs = ("https://github.com/kubecost/kubecost/releases",)

    def evaluate(self, data: InstanceData) -> Iterator[Hit]:
        """Verdict 'unsupported' for the instance version."""
        verdict = verdict_for(data)
        if verdict is not None and verdict.verdict == "unsupported":
            yield verdict_hit(data, verdict)
