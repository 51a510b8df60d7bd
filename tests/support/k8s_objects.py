"""Builders for Kubernetes objects shaped like real API JSON (metadata, spec, status)."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

JSON = dict[str, Any]
CREATED = "2024-10-22T09:14:03Z"


def _uid(*parts: str) -> str:
    return str(uuid.UUID(hashlib.md5("/".join(parts).encode()).hexdigest()))


def meta(
    name: str,
    namespace: str | None,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
) -> JSON:
    """ObjectMeta with uid, resourceVersion and creationTimestamp filled in."""
    m: JSON = {
        "name": name,
        "uid": _uid(namespace or "", name),
        "resourceVersion": "48213",
        "creationTimestamp": CREATED,
        "labels": dict(labels or {}),
    }
    if namespace is not None:
        m["namespace"] = namespace
    if annotations:
        m["annotations"] = dict(annotations)
    return m


def container_spec(
    name: str,
    image: str,
    ports: list[int] | None = None,
    mounts: list[str] | None = None,
    env: dict[str, str] | None = None,
) -> JSON:
    """A container in a pod template."""
    return {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"containerPort": p, "protocol": "TCP"} for p in ports or []],
        "env": [{"name": k, "value": v} for k, v in (env or {}).items()],
        "resources": {"requests": {"cpu": "200m", "memory": "55Mi"}},
        "volumeMounts": [{"name": f"vol-{i}", "mountPath": p} for i, p in enumerate(mounts or [])],
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }


def container_status(
    spec: JSON, *, restarts: int = 0, last_reason: str | None = None, exit_code: int = 137
) -> JSON:
    """A running container's status, optionally with a terminated previous instance."""
    st: JSON = {
        "name": spec["name"],
        "image": spec["image"],
        "imageID": f"{spec['image']}@sha256:" + "ab" * 32,
        "containerID": "containerd://" + hashlib.sha256(spec["name"].encode()).hexdigest(),
        "ready": True,
        "started": True,
        "restartCount": restarts,
        "state": {"running": {"startedAt": "2024-10-23T07:02:11Z"}},
        "lastState": {},
    }
    if last_reason:
        st["lastState"] = {
            "terminated": {
                "exitCode": exit_code,
                "reason": last_reason,
                "startedAt": "2024-10-22T09:15:00Z",
                "finishedAt": "2024-10-23T07:02:09Z",
                "containerID": st["containerID"][:-4] + "beef",
            }
        }
    return st


def pod(
    name: str,
    namespace: str,
    labels: dict[str, str],
    containers: list[JSON],
    *,
    node: str,
    owner: tuple[str, str],
    statuses: list[JSON] | None = None,
) -> JSON:
    """A running Pod owned by a controller."""
    kind, owner_name = owner
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {
            **meta(name, namespace, labels),
            "generateName": name.rsplit("-", 1)[0] + "-",
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": kind,
                    "name": owner_name,
                    "uid": _uid(namespace, owner_name),
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {
            "containers": containers,
            "nodeName": node,
            "restartPolicy": "Always",
            "serviceAccountName": labels.get("app.kubernetes.io/instance", "default"),
            "dnsPolicy": "ClusterFirst",
            "schedulerName": "default-scheduler",
        },
        "status": {
            "phase": "Running",
            "hostIP": "10.0.12.7",
            "podIP": "10.42.1.23",
            "podIPs": [{"ip": "10.42.1.23"}],
            "startTime": CREATED,
            "qosClass": "Burstable",
            "conditions": [
                {"type": t, "status": "True", "lastProbeTime": None, "lastTransitionTime": CREATED}
                for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")
            ],
            "containerStatuses": statuses or [container_status(c) for c in containers],
        },
    }


def workload(
    kind: str,
    name: str,
    namespace: str,
    labels: dict[str, str],
    selector: dict[str, str],
    containers: list[JSON],
    annotations: dict[str, str] | None = None,
) -> JSON:
    """A Deployment, StatefulSet or DaemonSet with one ready replica."""
    spec: JSON = {
        "selector": {"matchLabels": selector},
        "template": {
            "metadata": {"labels": {**labels, **selector}},
            "spec": {"containers": containers},
        },
    }
    if kind != "DaemonSet":
        spec["replicas"] = 1
    status: JSON = (
        {"currentNumberScheduled": 2, "desiredNumberScheduled": 2, "numberReady": 2}
        if kind == "DaemonSet"
        else {
            "replicas": 1,
            "readyReplicas": 1,
            "availableReplicas": 1,
            "updatedReplicas": 1,
            "observedGeneration": 3,
        }
    )
    return {
        "kind": kind,
        "apiVersion": "apps/v1",
        "metadata": {**meta(name, namespace, labels, annotations), "generation": 3},
        "spec": spec,
        "status": status,
    }


def service(
    name: str,
    namespace: str,
    labels: dict[str, str],
    selector: dict[str, str],
    ports: dict[str, int],
) -> JSON:
    """A ClusterIP Service."""
    return {
        "kind": "Service",
        "apiVersion": "v1",
        "metadata": meta(name, namespace, labels),
        "spec": {
            "type": "ClusterIP",
            "clusterIP": "10.43.12.9",
            "selector": selector,
            "ports": [
                {"name": n, "port": p, "targetPort": p, "protocol": "TCP"} for n, p in ports.items()
            ],
        },
        "status": {"loadBalancer": {}},
    }


def pvc(name: str, namespace: str, labels: dict[str, str], size: str) -> JSON:
    """A bound PersistentVolumeClaim."""
    return {
        "kind": "PersistentVolumeClaim",
        "apiVersion": "v1",
        "metadata": meta(name, namespace, labels),
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": size}},
            "storageClassName": "gp3",
            "volumeMode": "Filesystem",
            "volumeName": "pvc-" + _uid(namespace, name),
        },
        "status": {
            "phase": "Bound",
            "accessModes": ["ReadWriteOnce"],
            "capacity": {"storage": size},
        },
    }


def event(
    namespace: str,
    obj_kind: str,
    obj_name: str,
    reason: str,
    message: str,
    type_: str = "Warning",
    count: int = 1,
) -> JSON:
    """A core/v1 Event about an object."""
    name = f"{obj_name}.{hashlib.sha1(reason.encode()).hexdigest()[:16]}"
    return {
        "kind": "Event",
        "apiVersion": "v1",
        "metadata": meta(name, namespace),
        "involvedObject": {
            "kind": obj_kind,
            "namespace": namespace,
            "name": obj_name,
            "apiVersion": "v1",
        },
        "reason": reason,
        "message": message,
        "type": type_,
        "count": count,
        "source": {"component": "kubelet", "host": "ip-10-0-12-7.ec2.internal"},
        "firstTimestamp": CREATED,
        "lastTimestamp": "2024-10-23T07:02:09Z",
    }


def node(name: str, instance_type: str, zone: str) -> JSON:
    """A Ready Node with the usual well-known labels."""
    labels = {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "node.kubernetes.io/instance-type": instance_type,
        "topology.kubernetes.io/zone": zone,
        "topology.kubernetes.io/region": zone[:-1],
    }
    return {
        "kind": "Node",
        "apiVersion": "v1",
        "metadata": meta(name, None, labels),
        "spec": {"providerID": f"aws:///{zone}/i-0{_uid(name)[:16].replace('-', '')}"},
        "status": {
            "capacity": {"cpu": "4", "memory": "16069924Ki", "pods": "58"},
            "allocatable": {"cpu": "3920m", "memory": "15052068Ki", "pods": "58"},
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True",
                    "reason": "KubeletReady",
                    "lastHeartbeatTime": CREATED,
                    "lastTransitionTime": CREATED,
                }
            ],
            "nodeInfo": {
                "kubeletVersion": "v1.30.4-eks-a737599",
                "osImage": "Amazon Linux 2",
                "containerRuntimeVersion": "containerd://1.7.22",
                "kernelVersion": "5.10.226-214.880.amzn2.x86_64",
                "architecture": "amd64",
                "operatingSystem": "linux",
            },
        },
    }


def configmap(
    name: str,
    namespace: str,
    labels: dict[str, str],
    data: dict[str, str],
    annotations: dict[str, str] | None = None,
) -> JSON:
    """A ConfigMap."""
    return {
        "kind": "ConfigMap",
        "apiVersion": "v1",
        "metadata": meta(name, namespace, labels, annotations),
        "data": data,
    }
