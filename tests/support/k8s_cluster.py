"""The state a fake Kubernetes API server serves: objects, logs, proxy answers, pod files."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

JSON = dict[str, Any]

# Resource plural -> (API group path, kind of the list, namespaced?)
RESOURCES: dict[str, tuple[str, str, bool]] = {
    "pods": ("/api/v1", "PodList", True),
    "services": ("/api/v1", "ServiceList", True),
    "persistentvolumeclaims": ("/api/v1", "PersistentVolumeClaimList", True),
    "events": ("/api/v1", "EventList", True),
    "configmaps": ("/api/v1", "ConfigMapList", True),
    "nodes": ("/api/v1", "NodeList", False),
    "namespaces": ("/api/v1", "NamespaceList", False),
    "deployments": ("/apis/apps/v1", "DeploymentList", True),
    "statefulsets": ("/apis/apps/v1", "StatefulSetList", True),
    "daemonsets": ("/apis/apps/v1", "DaemonSetList", True),
}


class SyntheticLog:
    """A container log of `size` bytes made by repeating `lines`, generated in chunks on demand."""

    def __init__(self, size: int, lines: list[str], *, chunk: int = 64 * 1024) -> None:
        self.size = size
        self.lines = [line.rstrip("\n") + "\n" for line in lines] or ["x\n"]
        self.chunk = chunk

    def chunks(self, limit: int | None = None) -> Iterator[bytes]:
        """Yield the log in chunks, stopping after `limit` bytes when given."""
        block = "".join(self.lines).encode()
        while len(block) < self.chunk:
            block += block
        remaining = self.size if limit is None else min(self.size, limit)
        while remaining > 0:
            piece = block[: min(len(block), remaining)]
            remaining -= len(piece)
            yield piece


LogSource = bytes | SyntheticLog


@dataclass
class PodFile:
    """A file inside a fake container: its bytes come from a real file on disk."""

    source: Path
    mtime: int = field(default_factory=lambda: int(time.time()))
    # how many more times the file "changes" (mtime and content) while someone reads it
    changes_during_read: int = 0

    def size(self) -> int:
        """Current size of the file in bytes."""
        return self.source.stat().st_size


@dataclass
class ProxyAnswer:
    """What a backend behind the service proxy answers for one path."""

    body: bytes
    status: int = 200
    content_type: str = "application/json"


@dataclass
class FakeCluster:
    """One fake cluster: the objects, logs, proxied endpoints and pod files its API server serves.

    Scenario switches model the bad cases a collector must survive: expired credentials (401),
    forbidden namespaces (403), pods whose logs vanish (404), a slow or hanging API (`delay`),
    and denied permissions in SelfSubjectAccessReview answers.
    """

    name: str
    token: str = ""
    server_version: str = "v1.30.4"
    objects: dict[str, list[JSON]] = field(default_factory=dict)
    logs: dict[tuple[str, str, str, bool], LogSource] = field(default_factory=dict)
    proxy: dict[tuple[str, str, int, str], ProxyAnswer] = field(default_factory=dict)
    files: dict[tuple[str, str, str], dict[str, PodFile]] = field(default_factory=dict)
    delay: float = 0.0
    log_bytes_per_second: float | None = None
    expired_credentials: bool = False
    forbidden_namespaces: set[str] = field(default_factory=set)
    forbid_cluster_scope: bool = False
    vanishing_pods: set[tuple[str, str]] = field(default_factory=set)
    denied: set[tuple[str, str, str]] = field(default_factory=set)
    requests: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if not self.token:
            self.token = f"token-{self.name}"

    def add(self, plural: str, obj: JSON) -> JSON:
        """Store an object of resource `plural`, filling apiVersion and kind."""
        group, list_kind, _ = RESOURCES[plural]
        obj.setdefault("apiVersion", group.removeprefix("/api/").removeprefix("/apis/"))
        obj.setdefault("kind", list_kind.removesuffix("List"))
        self.objects.setdefault(plural, []).append(obj)
        return obj

    def record(self, line: str) -> None:
        """Remember a request line so tests can assert on what the client asked."""
        with self._lock:
            self.requests.append(line)

    def list(self, plural: str, namespace: str | None, selector: str | None) -> list[JSON]:
        """Objects of `plural`, optionally within one namespace and matching a label selector."""
        match = parse_selector(selector)
        return [
            o
            for o in self.objects.get(plural, [])
            if (namespace is None or o["metadata"].get("namespace") == namespace)
            and match(o["metadata"].get("labels") or {})
        ]

    def get(self, plural: str, namespace: str | None, name: str) -> JSON | None:
        """One object by name, or None."""
        for obj in self.list(plural, namespace, None):
            if obj["metadata"]["name"] == name:
                return obj
        return None

    def pod_file(self, namespace: str, pod: str, container: str) -> dict[str, PodFile]:
        """The file table of one container (created empty on first use)."""
        return self.files.setdefault((namespace, pod, container), {})


def parse_selector(selector: str | None) -> Callable[[dict[str, str]], bool]:
    """A predicate for an equality-based label selector (`a=b,c!=d,e`)."""
    terms: list[tuple[str, str, str | None]] = []
    for raw in (selector or "").split(","):
        raw = raw.strip()
        if not raw:
            continue
        if "!=" in raw:
            key, value = raw.split("!=", 1)
            terms.append(("!=", key.strip(), value.strip()))
        elif "=" in raw:
            key, value = raw.replace("==", "=").split("=", 1)
            terms.append(("=", key.strip(), value.strip()))
        else:
            terms.append(("exists", raw, None))

    def matches(labels: dict[str, str]) -> bool:
        for op, key, value in terms:
            if op == "=" and labels.get(key) != value:
                return False
            if op == "!=" and labels.get(key) == value:
                return False
            if op == "exists" and key not in labels:
                return False
        return True

    return matches
