"""`collect()` against fake clusters served over loopback, with the official kubernetes client."""

from __future__ import annotations

import hashlib
import json
import tarfile
from pathlib import Path

import pytest

from engage.diagnostics.bundle import Manifest, read_manifest, verify_bundle
from engage.diagnostics.collect import CollectOptions, KubeconfigError, NothingCollected, collect
from tests.support.k8s_cluster import FakeCluster

from .conftest import HEAP, Fleet

BOTH = frozenset({"heap", "aggregator-db"})


def _run(fleet: Fleet, tmp_path: Path, **kw) -> tuple[Path, Manifest]:
    opts = CollectOptions(
        kubeconfig=fleet.kubeconfig(),
        output=tmp_path / "out" / "b.tar.gz",
        request_timeout=2,
        timeout=20,
        **kw,
    )
    result = collect(opts)
    assert result.bundle is not None
    assert verify_bundle(result.bundle) == []
    return result.bundle, result.manifest


def _member(bundle: Path, suffix: str) -> bytes:
    with tarfile.open(bundle) as tar:
        for m in tar:
            if m.name.endswith(suffix):
                return tar.extractfile(m).read()
    raise AssertionError(f"{suffix} not in bundle")


def _runs(manifest: Manifest, env: str) -> dict[str, tuple[str, str | None]]:
    (e,) = [e for e in manifest.environments if e.name == env]
    (inst,) = e.instances
    return {c.name: (c.status, c.error) for c in inst.collectors}


def test_three_contexts_one_bundle(
    fleet: Fleet, prod: FakeCluster, staging: FakeCluster, hung: FakeCluster, tmp_path: Path
) -> None:
    bundle, m = _run(fleet, tmp_path, all_contexts=True, include=BOTH)
    envs = {e.name: e for e in m.environments}
    assert set(envs) == {"prod", "staging", "dr"}
    assert "did not answer" in envs["dr"].errors[0]
    p = envs["prod"].instances[0]
    assert (p.version, p.flavour, p.path) == (
        "2.4.2",
        "2.x-duckdb",
        "environments/prod/prod/kubecost",
    )
    assert all(c.status == "ok" for c in p.collectors), p.collectors
    s = envs["staging"].instances[0]
    assert (s.version, s.flavour) == ("3.1.0", "3.x")
    assert _runs(m, "staging")["aggregator-db"][0] == "skipped"
    assert "ClickHouse" in _runs(m, "staging")["aggregator-db"][1]
    # the layout another engineer's analyzer reads
    base = "environments/prod/prod/kubecost"
    for rel in (
        "cluster-resources/pods/kubecost.json",
        "cluster-resources/nodes.json",
        "cluster-resources/pvcs/kubecost.json",
        "kubecost-api/installInfo.json",
        "kubecost-api/orchestrator.json",
        "kubecost-api/cloudCost-status.json",
        "helm/values.yaml",
        "aggregator-db/tables.json",
        "cluster-resources/pods/logs/kubecost/kubecost-cost-analyzer-7d9f8b6c5-x2k4p/"
        "cost-model-previous.log",
    ):
        _member(bundle, f"{base}/{rel}")
    pods = json.loads(_member(bundle, f"{base}/cluster-resources/pods/kubecost.json"))
    assert pods["kind"] == "PodList" and len(pods["items"]) == 4


def test_binary_artefacts_are_byte_exact(fleet: Fleet, prod: FakeCluster, tmp_path: Path) -> None:
    bundle, m = _run(fleet, tmp_path, include=BOTH)
    assert _member(bundle, "profiles/cost-model-heap.pb.gz") == HEAP.read_bytes()
    files = prod.pod_file("kubecost", "kubecost-aggregator-0", "aggregator")
    (read_path,) = [p for p in files if p.endswith(".read")]
    copied = _member(bundle, "aggregator-db/" + read_path.rsplit("/", 1)[1])
    assert (
        hashlib.sha256(copied).digest()
        == hashlib.sha256(files[read_path].source.read_bytes()).digest()
    )
    entry = next(f for f in m.files if f.path.endswith(".duckdb.read"))
    assert entry.binary and entry.size == len(copied)
    tables = json.loads(_member(bundle, "aggregator-db/tables.json"))
    assert tables["opened"] is True
    assert {t["table"] for t in tables["tables"]} == {"container_1d", "node_1d"}


def test_nothing_written_unredacted(fleet: Fleet, prod: FakeCluster, tmp_path: Path) -> None:
    bundle, m = _run(fleet, tmp_path)
    with tarfile.open(bundle) as tar:
        blob = b"".join(tar.extractfile(x).read() for x in tar if x.isfile())
    assert b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" not in blob
    assert b"KC-2f8e-SECRET-PRODUCT-KEY" not in blob
    assert m.redaction  # the report (counts only) travels in the manifest


def test_previous_logs_and_termination_reasons(
    fleet: Fleet, prod: FakeCluster, tmp_path: Path
) -> None:
    bundle, _ = _run(fleet, tmp_path)
    states = json.loads(_member(bundle, "container-statuses/kubecost.json"))
    cm = next(c for c in states["containers"] if c["container"] == "cost-model")
    assert (cm["restartCount"], cm["lastTerminationReason"]) == (2, "OOMKilled")
    assert b"71.0% complete" in _member(bundle, "cost-model-previous.log")


def test_db_changing_during_copy_is_retried(
    fleet: Fleet, prod: FakeCluster, tmp_path: Path
) -> None:
    files = prod.pod_file("kubecost", "kubecost-aggregator-0", "aggregator")
    read = next(f for p, f in files.items() if p.endswith(".read"))
    read.changes_during_read = 1
    _, m = _run(fleet, tmp_path, include=frozenset({"aggregator-db"}))
    assert _runs(m, "prod")["aggregator-db"] == ("ok", None)
    base64_calls = [r for r in prod.requests if "command=base64" in r]
    assert len(base64_calls) == 2


def test_db_that_keeps_changing_is_reported(
    fleet: Fleet, prod: FakeCluster, tmp_path: Path
) -> None:
    files = prod.pod_file("kubecost", "kubecost-aggregator-0", "aggregator")
    next(f for p, f in files.items() if p.endswith(".read")).changes_during_read = 99
    _, m = _run(fleet, tmp_path, include=frozenset({"aggregator-db"}))
    status, error = _runs(m, "prod")["aggregator-db"]
    assert status == "failed" and "changed during each of 3 copies" in error
    assert not any(f.path.endswith(".read") for f in m.files)


def test_big_db_needs_a_yes(fleet: Fleet, prod: FakeCluster, tmp_path: Path) -> None:
    asked: list[str] = []
    _, m = _run(
        fleet,
        tmp_path,
        include=frozenset({"aggregator-db"}),
        max_db_bytes=1000,
        confirm=lambda q: asked.append(q) or False,
    )
    assert _runs(m, "prod")["aggregator-db"][0] == "skipped"
    assert "Copy it?" in asked[0]
    _, m = _run(
        fleet,
        tmp_path,
        include=frozenset({"aggregator-db"}),
        max_db_bytes=1000,
        confirm=lambda q: True,
    )
    assert _runs(m, "prod")["aggregator-db"][0] == "ok"


def test_pod_disappearing_mid_collection(fleet: Fleet, prod: FakeCluster, tmp_path: Path) -> None:
    prod.vanishing_pods.add(("kubecost", "kubecost-cloud-cost-5c8d7f9b4-q8w2e"))
    _, m = _run(fleet, tmp_path)
    status, error = _runs(m, "prod")["logs"]
    assert status == "partial"
    assert "kubecost-cloud-cost-5c8d7f9b4-q8w2e disappeared during collection" in error


def test_forbidden_namespace_gives_partial_bundle(
    fleet: Fleet, prod: FakeCluster, staging: FakeCluster, tmp_path: Path
) -> None:
    staging.forbidden_namespaces.add("kubecost")
    _, m = _run(fleet, tmp_path, all_contexts=True)
    assert {c for c, _ in _runs(m, "prod").values()} <= {"ok", "skipped"}
    staging_runs = _runs(m, "staging")
    assert staging_runs["cluster-resources"][0] == "partial"  # nodes are cluster-scoped
    assert "403 Forbidden" in staging_runs["cluster-resources"][1]
    assert "staging: get pods/log in namespace kubecost" in m.permissions.missing


def test_cluster_scope_forbidden_falls_back_to_kubecost_namespace(
    fleet: Fleet, prod: FakeCluster, tmp_path: Path
) -> None:
    prod.forbid_cluster_scope = True
    prod.denied.add(("list", "nodes", ""))
    _, m = _run(fleet, tmp_path)
    assert "prod: list deployments/statefulsets/daemonsets (cluster-wide)" in m.permissions.missing
    assert "prod: list nodes (cluster-wide)" in m.permissions.missing
    assert _runs(m, "prod")["cluster-resources"][0] == "partial"


def test_expired_credentials(
    fleet: Fleet, prod: FakeCluster, staging: FakeCluster, tmp_path: Path
) -> None:
    prod.expired_credentials = True
    _, m = _run(fleet, tmp_path, all_contexts=True)
    (p,) = [e for e in m.environments if e.name == "prod"]
    assert "credentials rejected (401 Unauthorized)" in p.errors[0]


def test_overall_deadline_yields_partial_bundle(
    fleet: Fleet, prod: FakeCluster, tmp_path: Path
) -> None:
    prod.log_bytes_per_second = 20  # logs trickle in far slower than the deadline allows
    result = collect(
        CollectOptions(
            kubeconfig=fleet.kubeconfig(),
            output=tmp_path / "b.tar.gz",
            request_timeout=30,
            timeout=3,
        )
    )
    assert result.bundle is not None and verify_bundle(result.bundle) == []
    runs = _runs(result.manifest, "prod")
    assert runs["logs"] == ("failed", "overall deadline reached (--timeout)")
    assert runs["cluster-resources"][0] == "ok"


def test_named_environments(
    fleet: Fleet, prod: FakeCluster, staging: FakeCluster, tmp_path: Path
) -> None:
    _, m = _run(fleet, tmp_path, environments={"production": "prod"})
    assert [(e.name, e.context) for e in m.environments] == [("production", "prod")]
    assert m.environments[0].instances[0].path == "environments/production/prod/kubecost"


def test_no_kubeconfig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "missing"))
    with pytest.raises(KubeconfigError, match="no kubeconfig found"):
        collect(CollectOptions())


def test_unknown_context(fleet: Fleet, prod: FakeCluster) -> None:
    with pytest.raises(KubeconfigError, match="unknown context"):
        collect(CollectOptions(kubeconfig=fleet.kubeconfig(), contexts=["nope"]))


def test_no_kubecost_found(fleet: Fleet, tmp_path: Path) -> None:
    fleet.add(FakeCluster("empty"))
    with pytest.raises(NothingCollected, match="no Kubecost install found in context empty"):
        collect(CollectOptions(kubeconfig=fleet.kubeconfig(), output=tmp_path / "b.tar.gz"))
    assert not (tmp_path / "b.tar.gz").exists()
    assert read_manifest  # imported for the layout tests above
