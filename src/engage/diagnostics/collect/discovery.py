"""Find Kubecost installs by Helm labels and metadata, never by fixed object names.

An install is one (namespace, Helm release) whose workloads carry `helm.sh/chart:
cost-analyzer-<ver>` (2.x) or `kubecost-<ver>` (3.x); workloads without chart labels (plain
manifests, some GitOps setups) are recognised by `app` labels and cost-model images.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from engage.diagnostics.bundle import Flavour
from engage.diagnostics.versions import detect_version

JSON = dict[str, Any]
KUBECOST_CHARTS = ("cost-analyzer", "kubecost")
_CHART = re.compile(r"^(?P<name>.+?)-(?P<version>v?\d+\.\d+\.\d+\S*)$")
_APPS = {"cost-analyzer", "aggregator", "cloud-cost"}


@dataclass
class Install:
    """One Kubecost install found in a cluster."""

    namespace: str
    release: str
    chart: str | None = None
    version: str | None = None
    flavour: Flavour = "unknown"
    database: str = "unknown"  # duckdb | clickhouse | unknown
    workloads: list[JSON] = field(default_factory=list)

    def owns(self, obj: JSON) -> bool:
        """Whether an object (pod, configmap ...) belongs to this install's Helm release."""
        meta = obj.get("metadata") or {}
        labels = meta.get("labels") or {}
        notes = meta.get("annotations") or {}
        return (
            labels.get("app.kubernetes.io/instance") == self.release
            or labels.get("release") == self.release
            or notes.get("meta.helm.sh/release-name") == self.release
            or str(meta.get("name", "")).startswith(f"{self.release}-")
            or str(meta.get("name", "")).endswith(f"-{self.release}")
        )


def parse_chart(label: str) -> tuple[str, str] | None:
    """`cost-analyzer-2.4.2` -> ("cost-analyzer", "2.4.2")."""
    m = _CHART.match(label.strip())
    return (m.group("name"), m.group("version").lstrip("v")) if m else None


def _containers(obj: JSON) -> list[JSON]:
    spec = obj.get("spec") or {}
    tmpl = (spec.get("template") or {}).get("spec") or spec
    return list(tmpl.get("containers") or []) + list(tmpl.get("initContainers") or [])


def _kubecost_chart(obj: JSON) -> tuple[str, str] | None:
    labels = (obj.get("metadata") or {}).get("labels") or {}
    parsed = parse_chart(str(labels.get("helm.sh/chart") or labels.get("chart") or ""))
    return parsed if parsed and parsed[0] in KUBECOST_CHARTS else None


def _looks_kubecost(obj: JSON) -> bool:
    labels = (obj.get("metadata") or {}).get("labels") or {}
    images = [str(c.get("image", "")) for c in _containers(obj)]
    return labels.get("app") in _APPS and any("cost-model" in i or "kubecost" in i for i in images)


def _release(obj: JSON) -> str:
    meta = obj.get("metadata") or {}
    labels = meta.get("labels") or {}
    notes = meta.get("annotations") or {}
    found = (
        notes.get("meta.helm.sh/release-name")
        or labels.get("app.kubernetes.io/instance")
        or labels.get("release")
    )
    if found:
        return str(found)
    name = str(meta.get("name", "kubecost"))
    for suffix in ("-cost-analyzer", "-aggregator", "-cloud-cost", "-frontend"):
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


def find_installs(workloads: Iterable[JSON]) -> list[Install]:
    """Group Kubecost workloads (Deployments, StatefulSets, DaemonSets) into installs."""
    found: dict[tuple[str, str], Install] = {}
    for obj in workloads:
        chart = _kubecost_chart(obj)
        if not chart and not _looks_kubecost(obj):
            continue
        ns = str((obj.get("metadata") or {}).get("namespace", "default"))
        key = (ns, _release(obj))
        inst = found.setdefault(key, Install(namespace=ns, release=key[1]))
        inst.workloads.append(obj)
        if chart and not inst.chart:
            inst.chart, inst.version = chart
    for inst in found.values():
        _classify(inst)
    return sorted(found.values(), key=lambda i: (i.namespace, i.release))


def _classify(inst: Install) -> None:
    """Fill version (chart label, else image tag), database engine and flavour."""
    if not inst.version:
        for obj in inst.workloads:
            for c in _containers(obj):
                image = str(c.get("image", ""))
                hit = detect_version(image) if "cost-model" in image else None
                if hit:
                    inst.version = hit.version
                    break
    major = (inst.version or "").split(".")[0]
    if inst.chart == "kubecost" and not major:
        major = "3"
    inst.database = _database(inst, major)
    if major == "3":
        inst.flavour = "3.x"
    elif major == "2":
        inst.flavour = "2.x-clickhouse" if inst.database == "clickhouse" else "2.x-duckdb"


def _database(inst: Install, major: str) -> str:
    mounts, env, images = set(), set(), []
    for obj in inst.workloads:
        for c in _containers(obj):
            mounts |= {str(m.get("mountPath", "")) for m in c.get("volumeMounts") or []}
            env |= {f"{e.get('name')}={e.get('value', '')}".lower() for e in c.get("env") or []}
            images.append(str(c.get("image", "")))
    clickhouse = (
        "/var/lib/clickhouse" in mounts
        or any("clickhouse" in i for i in images)
        or any("clickhouse" in e or e.startswith("use_db_v3=true") for e in env)
    )
    if clickhouse:
        return "clickhouse"
    if major == "3":
        # 3.x keeps DuckDB only in legacyMode, which mounts the waterfowl folder instead
        legacy = any(m.startswith("/var/configs/waterfowl") for m in mounts)
        return "duckdb" if legacy else "clickhouse"
    return "duckdb" if major == "2" else "unknown"
