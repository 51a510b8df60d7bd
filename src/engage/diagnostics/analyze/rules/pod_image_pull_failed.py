"""Rule: Kubecost images cannot be pulled."""

from collections.abc import Iterator

from engage.diagnostics.analyze.checks import event_hit, events, pod_hit, waiting_reasons
from engage.diagnostics.analyze.model import Severity
from engage.diagnostics.analyze.registry import register
from engage.diagnostics.analyze.rule import Hit, InstanceData, Rule


@register
class PodImagePullFailed(Rule):
    """ErrImagePull / ImagePullBackOff / InvalidImageName."""

    id = "pod-image-pull-failed"
    title = "Images cannot be pulled"
    category = "pod-health"
    severity = Severity.CRITICAL
    explanation = (
        "Kubernetes cannot pull a Kubecost image: wrong tag or registry (2.8.7/2.9.7 "
        "and 3.x moved to icr.io/kubecost without the `prod-` prefix), a private "
        "mirror without the image, missing pull secrets, or no egress to the "
        "registry."
    )
    remediation = (
        "Check the image reference in the pod spec against the chart version, the "
        "registry override values and imagePullSecrets; mirror the images for "
        "air-gapped clusters."
    )
    docs = ("https://kubernetes.io/docs/concepts/containers/images/",)

    def evaluate(self, data: InstanceData) -> Iterator[Hit]:
        """Waiting reasons about image pulls, and Failed events for pulls."""
        for path, pod in data.kubecost_pods():
            for container, reason, message in waiting_reasons(pod):
                if reason in ("ErrImagePull", "ImagePullBackOff", "InvalidImageName"):
                    yield pod_hit(path, pod, f"container {container} {reason} {message}")
        for path, event in events(data, "Failed"):
            if "pull" in str(event.get("message", "")).lower():
                yield event_hit(path, event)
