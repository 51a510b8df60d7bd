"""Kubernetes object helpers: which workloads are Kubecost, images, versions, flavours."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from engage.diagnostics.versions import DetectedVersion, detect_version

# Names of Kubecost workloads and containers (2.x and 3.x charts, OpenCost).
_KUBECOST_NAME = re.compile(
    r"kubecost|cost-model|cost-analyzer|aggregator|cloud-cost|finops|network-costs|opencost"
    r"|cluster-controller|forecasting|local-store|etl-utils",
    re.IGNORECASE,
)


def is_kubecost_name(name: str) -> bool:
    """Whether a pod or container name looks like a Kubecost component."""
    return bool(_KUBECOST_NAME.search(name))


def is_kubecost_pod(pod: Mapping[str, Any]) -> bool:
    """Whether a pod belongs to Kubecost: by name, labels, Helm chart or images."""
    meta = pod.get("metadata") or {}
    labels = meta.get("labels") or {}
    chart = str(labels.get("helm.sh/chart", ""))
    if chart.startswith(("cost-analyzer-", "kubecost-")):
        return True
    names = [
        str(meta.get("name", "")),
        str(labels.get("app", "")),
        str(labels.get("app.kubernetes.io/name", "")),
    ]
    if any(is_kubecost_name(n) for n in names if n):
        return True
    return any("kubecost" in image for image in pod_images(pod))


def is_kubecost_event(event: Mapping[str, Any]) -> bool:
    """Whether an event is about a Kubecost object (by the object's name or namespace)."""
    obj = event.get("involvedObject") or {}
    return is_kubecost_name(str(obj.get("name", ""))) or "kubecost" in str(obj.get("namespace", ""))


def pod_images(pod: Mapping[str, Any]) -> Iterator[str]:
    """Images of every container and init container of a pod."""
    spec = pod.get("spec") or {}
    for key in ("containers", "initContainers"):
        for container in spec.get(key) or []:
            image = container.get("image")
            if isinstance(image, str):
                yield image


def version_from_pod(pod: Mapping[str, Any]) -> DetectedVersion | None:
    """The Kubecost version a pod runs, from its cost-model/aggregator image or chart label."""
    for image in pod_images(pod):
        if "cost-model" in image or "frontend" in image or "kubecost" in image:
            found = detect_version(image)
            if found:
                return found
    chart = ((pod.get("metadata") or {}).get("labels") or {}).get("helm.sh/chart")
    return detect_version(chart) if isinstance(chart, str) else None


def container_statuses(pod: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Status entries of all containers and init containers of a pod."""
    status = pod.get("status") or {}
    for key in ("containerStatuses", "initContainerStatuses"):
        yield from status.get(key) or []


def pod_name(pod: Mapping[str, Any]) -> str:
    """`namespace/name` of a pod."""
    meta = pod.get("metadata") or {}
    return f"{meta.get('namespace', '?')}/{meta.get('name', '?')}"


def list_items(doc: Any) -> list[dict[str, Any]]:
    """Items of a kubectl List JSON (or a single object as a one-item list)."""
    if isinstance(doc, Mapping):
        items = doc.get("items")
        if isinstance(items, list):
            return [i for i in items if isinstance(i, dict)]
        if "kind" in doc and "metadata" in doc:
            return [dict(doc)]
    if isinstance(doc, list):
        return [i for i in doc if isinstance(i, dict)]
    return []
