"""Recognise structured documents by content: Kubernetes lists, endpoint JSON, Helm values,
multi-cluster diagnostics, and the engage bundle manifest."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from engage.diagnostics.analyze.model import FLAVOURS, Instance
from engage.diagnostics.analyze.rule import unwrap

KIND_FOLDERS = {
    "Pod": "pods",
    "Event": "events",
    "PersistentVolumeClaim": "pvcs",
    "Deployment": "deployments",
    "StatefulSet": "statefulsets",
    "DaemonSet": "daemonsets",
    "Service": "services",
    "ConfigMap": "configmaps",
    "Node": "nodes",
    "PersistentVolume": "pvs",
    "ReplicaSet": "replicasets",
    "Job": "jobs",
}
MCD_CHECKS = (
    "kubecostEmittingMetric",
    "prometheusHasKubecostMetric",
    "prometheusHasCadvisorMetric",
    "prometheusHasKSMMetric",
    "dailyAllocationEtlHealthy",
    "dailyAssetEtlHealthy",
    "kubecostPodsNotOOMKilled",
    "kubecostPodsNotPending",
    "costModelStorageStats",
)
_VALUES_KEYS = frozenset(
    {
        "kubecostModel",
        "kubecostAggregator",
        "kubecostProductConfigs",
        "kubecostFrontend",
        "federatedETL",
        "kubecostToken",
        "networkCosts",
        "clusterController",
        "finopsagent",
        "kubecostDeployment",
        "kubecostMetrics",
        "aggregator",
        "forecasting",
        "reporting",
    }
)


def kind_folder(path: str, items: list[dict[str, Any]]) -> str:
    """`pods`, `events`, ... for a List JSON, from its items' kind or its folder name."""
    for item in items[:1]:
        kind = item.get("kind")
        if isinstance(kind, str) and kind in KIND_FOLDERS:
            return KIND_FOLDERS[kind]
    parts = PurePosixPath(path).parts
    if "cluster-resources" in parts:
        index = parts.index("cluster-resources")
        if index + 1 < len(parts):
            return PurePosixPath(parts[index + 1]).stem
    return PurePosixPath(path).stem


def is_k8s_list(doc: Any) -> bool:
    """A kubectl-style List (`{"kind": "PodList", "items": [...]}`) or a bare `items` list."""
    return (
        isinstance(doc, Mapping)
        and isinstance(doc.get("items"), list)
        and (str(doc.get("kind", "List")).endswith("List"))
    )


def mcd_clusters(doc: Any) -> list[dict[str, Any]] | None:
    """Per-cluster check results of a multi-cluster diagnostics document, or None."""
    data = unwrap(doc)
    if not isinstance(data, Mapping):
        return None
    clusters = data.get("clusters")
    if isinstance(clusters, Mapping):
        return [
            {"clusterId": str(key), **value}
            for key, value in clusters.items()
            if isinstance(value, Mapping)
        ]
    if isinstance(clusters, list):
        return [dict(c) for c in clusters if isinstance(c, Mapping)]
    if any(isinstance(data.get(check), Mapping) for check in MCD_CHECKS):
        return [dict(data)]  # one cluster's file from the bucket's diagnostics/ folder
    return None


def looks_like_helm_values(doc: Any) -> bool:
    """Whether a mapping looks like Kubecost Helm values."""
    if not isinstance(doc, Mapping):
        return False
    if _VALUES_KEYS & set(doc):
        return True
    glob = doc.get("global")
    return isinstance(glob, Mapping) and bool({"clusterId", "prometheus", "grafana"} & set(glob))


def endpoint_name(path: str) -> str:
    """`environments/.../kubecost-api/installInfo.json` -> `installInfo`."""
    return PurePosixPath(path).name.rsplit(".", 1)[0]


def manifest_instances(manifest: Any) -> list[Instance]:
    """Instances listed in an engage bundle manifest (schema_version 1)."""
    found: list[Instance] = []
    if not isinstance(manifest, Mapping):
        return found
    for env in manifest.get("environments") or []:
        if not isinstance(env, Mapping):
            continue
        for item in env.get("instances") or []:
            if not isinstance(item, Mapping):
                continue
            flavour = str(item.get("flavour") or "unknown")
            found.append(
                Instance(
                    environment=str(env.get("name") or "default"),
                    cluster=str(item.get("cluster") or "unknown"),
                    namespace=str(item.get("namespace") or "unknown"),
                    version=str(item["version"]) if item.get("version") else None,
                    flavour=flavour if flavour in FLAVOURS else "unknown",
                    path=str(item.get("path") or "").strip("/"),
                )
            )
    return found


def is_manifest(path: str, doc: Any) -> bool:
    """The engage bundle manifest: `manifest.json` with a schema_version and environments."""
    return (
        PurePosixPath(path).name == "manifest.json"
        and isinstance(doc, Mapping)
        and "schema_version" in doc
        and "environments" in doc
    )


def is_kubelet_summary(doc: Any) -> bool:
    """Kubelet `/stats/summary` output (node plus pods with volume stats)."""
    return (
        isinstance(doc, Mapping)
        and isinstance(doc.get("node"), Mapping)
        and isinstance(doc.get("pods"), list)
    )


def event_line(event: Mapping[str, Any]) -> str:
    """One log-like line for a Kubernetes event: time, type, reason, object and message."""
    obj = event.get("involvedObject") or {}
    when = event.get("lastTimestamp") or event.get("eventTime") or event.get("firstTimestamp")
    message = " ".join(str(event.get("message") or "").split())
    return (
        f"{when or '-'} {event.get('type', 'Warning')} {event.get('reason', '')} "
        f"{obj.get('kind', '')}/{obj.get('name', '')}: {message}"
    )
