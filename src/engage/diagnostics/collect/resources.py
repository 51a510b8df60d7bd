"""Cluster resources of an install: the namespace's objects, nodes, container states, PVC usage."""

from __future__ import annotations

from typing import Any

from engage.diagnostics.collect.kube import DeadlineExceeded, KubeError
from engage.diagnostics.collect.registry import InstanceJob, Outcome, collector

JSON = dict[str, Any]
# resource plural -> folder name in the bundle (troubleshoot's names)
KINDS = {
    "pods": "pods",
    "deployments": "deployments",
    "statefulsets": "statefulsets",
    "daemonsets": "daemonsets",
    "services": "services",
    "persistentvolumeclaims": "pvcs",
    "events": "events",
    "configmaps": "configmaps",
}
_NODE_LABELS = (
    "node.kubernetes.io/instance-type",
    "topology.kubernetes.io/zone",
    "topology.kubernetes.io/region",
    "kubernetes.io/arch",
    "kubernetes.io/os",
    "eks.amazonaws.com/nodegroup",
    "cloud.google.com/gke-nodepool",
    "kubernetes.azure.com/agentpool",
    "karpenter.sh/capacity-type",
)


def node_summary(nodes: list[JSON]) -> JSON:
    """A compact view of nodes: capacity, allocatable, readiness, versions, placement labels."""
    out = []
    for n in nodes:
        meta, status = n.get("metadata") or {}, n.get("status") or {}
        ready = next(
            (c.get("status") for c in status.get("conditions") or [] if c.get("type") == "Ready"),
            "Unknown",
        )
        info = status.get("nodeInfo") or {}
        labels = meta.get("labels") or {}
        out.append(
            {
                "name": meta.get("name"),
                "ready": ready,
                "providerID": (n.get("spec") or {}).get("providerID"),
                "labels": {k: labels[k] for k in _NODE_LABELS if k in labels},
                "capacity": status.get("capacity"),
                "allocatable": status.get("allocatable"),
                "kubeletVersion": info.get("kubeletVersion"),
                "osImage": info.get("osImage"),
                "containerRuntimeVersion": info.get("containerRuntimeVersion"),
                "unschedulable": bool((n.get("spec") or {}).get("unschedulable")),
            }
        )
    return {"count": len(out), "nodes": out}


def container_states(pods: list[JSON]) -> list[JSON]:
    """Per container: restarts, current state and the last termination reason."""
    rows = []
    for p in pods:
        meta = p.get("metadata") or {}
        status = p.get("status") or {}
        for key in ("initContainerStatuses", "containerStatuses"):
            for cs in status.get(key) or []:
                last = (cs.get("lastState") or {}).get("terminated") or {}
                rows.append(
                    {
                        "pod": meta.get("name"),
                        "container": cs.get("name"),
                        "init": key.startswith("init"),
                        "ready": cs.get("ready"),
                        "restartCount": cs.get("restartCount", 0),
                        "state": next(iter(cs.get("state") or {}), None),
                        "image": cs.get("image"),
                        "lastTerminationReason": last.get("reason"),
                        "lastExitCode": last.get("exitCode"),
                        "lastFinishedAt": last.get("finishedAt"),
                    }
                )
    return rows


def _list(job: InstanceJob, plural: str) -> JSON:
    listing = job.kube.list_objects(plural, job.install.namespace)
    if plural == "configmaps":
        # only the install's ConfigMaps (a shared namespace may hold other teams' config)
        listing["items"] = [c for c in listing.get("items") or [] if job.install.owns(c)]
    return listing


@collector("cluster-resources", order=10)
def collect_resources(job: InstanceJob) -> Outcome:
    """Namespace objects as List JSON, a node summary, container states and PVC usage."""
    ns = job.install.namespace
    problems: list[str] = []
    for plural, folder in KINDS.items():
        job.note(f"listing {folder}")
        try:
            listing = _list(job, plural)
        except DeadlineExceeded:
            raise
        except KubeError as exc:
            problems.append(f"{folder}: {exc.message}")
            if exc.status == 403:
                job.permissions_missing.append(f"list {plural} in namespace {ns}")
            continue
        job.cache[plural] = listing.get("items") or []
        job.writer.write_json(job.path("cluster-resources", folder, f"{ns}.json"), listing)
    pods = job.cache.get("pods", [])
    if pods:
        job.writer.write_json(
            job.path("cluster-resources", "container-statuses", f"{ns}.json"),
            {"namespace": ns, "containers": container_states(pods)},
        )
    try:
        nodes = job.kube.list_objects("nodes").get("items") or []
        job.writer.write_json(job.path("cluster-resources", "nodes.json"), node_summary(nodes))
    except KubeError as exc:
        if isinstance(exc, DeadlineExceeded):
            raise
        problems.append(f"nodes: {exc.message}")
        if exc.status == 403:
            job.permissions_missing.append("list nodes (cluster-wide)")
    problems += _pvc_usage(job, pods)
    return Outcome.from_problems(problems, len(KINDS) + 1)


def _pvc_usage(job: InstanceJob, pods: list[JSON]) -> list[str]:
    """Volume usage of the install PVCs from the kubelet summary API of the nodes holding them."""
    claims: dict[str, set[str]] = {}
    for p in pods:
        spec = p.get("spec") or {}
        names = {
            v["persistentVolumeClaim"]["claimName"]
            for v in spec.get("volumes") or []
            if v.get("persistentVolumeClaim")
        }
        if names and spec.get("nodeName"):
            claims.setdefault(spec["nodeName"], set()).update(names)
    usage, problems = [], []
    for node_name, names in sorted(claims.items()):
        try:
            summary = job.kube.get_json(f"/api/v1/nodes/{node_name}/proxy/stats/summary")
        except KubeError as exc:
            if isinstance(exc, DeadlineExceeded):
                raise
            problems.append(f"pvc usage on {node_name}: {exc.message}")
            continue
        for pod_stats in summary.get("pods") or []:
            for vol in pod_stats.get("volume") or []:
                ref = vol.get("pvcRef") or {}
                if ref.get("name") in names and ref.get("namespace") == job.install.namespace:
                    usage.append(
                        {
                            "pvc": ref["name"],
                            "node": node_name,
                            "usedBytes": vol.get("usedBytes"),
                            "capacityBytes": vol.get("capacityBytes"),
                            "availableBytes": vol.get("availableBytes"),
                        }
                    )
    if usage:
        job.writer.write_json(
            job.path("cluster-resources", "pvc-usage", f"{job.install.namespace}.json"),
            {"volumes": usage},
        )
    return problems
