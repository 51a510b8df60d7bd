"""Who an instance is: identity from bundle paths, best detected version, flavour, namespace."""

from __future__ import annotations

from engage.diagnostics.analyze.inputs import environment_of
from engage.diagnostics.analyze.model import Instance
from engage.diagnostics.analyze.rule import InstanceData, dig
from engage.diagnostics.versions import DetectedVersion

_SOURCE_RANK = {"installInfo": 0, "image": 1, "chart-label": 2, "log": 3, "tag": 4}


def identity_from_key(key: str) -> Instance:
    """An instance named after its bundle path (or `mcd:<cluster>` key)."""
    found = environment_of(key + "/")
    if found:
        return Instance(environment=found[1], cluster=found[2], namespace=found[3], path=key)
    if key.startswith("mcd:"):
        return Instance(cluster=key[4:], path=key)
    return Instance(path=key)


def best_version(found: list[tuple[str, DetectedVersion]]) -> str | None:
    """The most trustworthy detected version (installInfo > image > chart label > log)."""
    if not found:
        return None
    return min(found, key=lambda f: _SOURCE_RANK.get(f[1].source, 9))[1].version


def flavour_of(version: str | None, inst: InstanceData) -> str:
    """2.x-duckdb, 2.x-clickhouse (useDBv3), 3.x or unknown."""
    if not version or not version[0].isdigit():
        return "unknown"
    major = version.split(".", 1)[0]
    if major == "3":
        return "3.x"
    if major != "2":
        return "unknown"
    for _path, values in inst.values:
        if dig(values, "kubecostAggregator", "useDBv3") is True:
            return "2.x-clickhouse"
    return "2.x-duckdb"


def namespace_of(inst: InstanceData) -> str:
    """The namespace of the instance's Kubecost pods."""
    for _path, pod in inst.kubecost_pods():
        ns = (pod.get("metadata") or {}).get("namespace")
        if isinstance(ns, str):
            return ns
    return "unknown"
