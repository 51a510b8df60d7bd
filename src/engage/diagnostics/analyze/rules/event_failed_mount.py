"""Rule: volumes of Kubecost pods cannot be attached or mounted."""

from collections.abc import Iterator

from engage.diagnostics.analyze.checks import event_hit, events
from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Hit, InstanceData, Rule


@register
class EventFailedMount(Rule):
    """FailedMount / FailedAttachVolume events."""

    id = "event-failed-mount"
    title = "Volumes fail to attach or mount"
    category = "storage"
    severity = Severity.ERROR
    explanation = (
        "A Kubecost pod waits for a volume that cannot be attached or mounted "
        "(zone mismatch, volume still attached elsewhere, missing secret/configmap, "
        "CSI driver errors)."
    )
    remediation = (
        "Read the event message; check the PV's zone against the node, the CSI "
        "driver pods, and that referenced secrets/configmaps exist."
    )
    docs = ("https://kubernetes.io/docs/concepts/storage/persistent-volumes/",)

    def evaluate(self, data: InstanceData) -> Iterator[Hit]:
        """Events with reason FailedMount or FailedAttachVolume."""
        for path, event in events(data, "FailedMount", "FailedAttachVolume"):
            yield event_hit(path, event)
