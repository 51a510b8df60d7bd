"""Importing bug reports, troubleshoot bundles and cluster-info dumps."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

from engage.diagnostics.bundle import BundleError, read_manifest, verify_bundle
from engage.diagnostics.importers import import_any
from tests.support.k8s_scenarios import kubecost_2x_duckdb


def _names(bundle: Path) -> list[str]:
    with tarfile.open(bundle) as tar:
        return ["/".join(n.split("/")[1:]) for n in tar.getnames()]


def test_troubleshoot_bundle_from_corpus(
    tmp_path: Path, fixtures_dir: Path, copying_redactor
) -> None:
    src = fixtures_dir / "shared" / "k8s-logs" / "troubleshoot_testdata_support-bundle.tar.gz"
    out = import_any(src, tmp_path, copying_redactor)
    assert verify_bundle(out) == []
    m = read_manifest(out)
    assert [i.namespace for i in m.environments[0].instances] == [
        "default",
        "kube-node-lease",
        "kube-public",
        "kube-system",
    ]
    names = _names(out)
    base = "environments/imported/troubleshoot_testdata_support-bundle/kube-system"
    assert (
        f"{base}/cluster-resources/pods/logs/kube-system/coredns-b96499967-tncf4/coredns-previous.log"
        in names
    )
    assert f"{base}/cluster-resources/pods/kube-system.json" in names
    assert f"{base}/cluster-resources/nodes.json" in names


def test_troubleshoot_without_resources_is_refused(
    tmp_path: Path, fixtures_dir: Path, copying_redactor
) -> None:
    src = fixtures_dir / "shared" / "k8s-logs" / "troubleshoot_testdata_missing-version.tar.gz"
    with pytest.raises(BundleError, match="no cluster-resources"):
        import_any(src, tmp_path, copying_redactor)
    assert list(tmp_path.iterdir()) == []  # no staging left behind


def test_bug_report_is_split_into_logs_and_api_answers(
    tmp_path: Path, fixtures_dir: Path, copying_redactor
) -> None:
    out = import_any(
        fixtures_dir / "collect" / "kubecost-bug-report.txt", tmp_path, copying_redactor
    )
    assert verify_bundle(out) == []
    (inst,) = read_manifest(out).environments[0].instances
    assert (inst.namespace, inst.version, inst.flavour) == ("kubecost", "2.4.2", "2.x-duckdb")
    names = _names(out)
    base = "environments/imported/bug-report/kubecost"
    assert (
        f"{base}/cluster-resources/pods/logs/kubecost/kubecost-aggregator-0/aggregator.log" in names
    )
    assert f"{base}/kubecost-api/helmValues.json" in names
    assert f"{base}/kubecost-api/etl-log.txt" in names
    assert f"{base}/bug-report.txt" in names


def test_cluster_info_dump_folder(tmp_path: Path, copying_redactor) -> None:
    cluster = kubecost_2x_duckdb("prod", tmp_path / "work")
    dump = tmp_path / "dump"
    (dump / "kubecost" / "kubecost-aggregator-0").mkdir(parents=True)
    (dump / "nodes.json").write_text(
        json.dumps({"kind": "NodeList", "items": cluster.objects["nodes"]})
    )
    for kind in ("pods", "deployments", "statefulsets", "services", "events"):
        (dump / "kubecost" / f"{kind}.json").write_text(
            json.dumps({"kind": "List", "items": cluster.objects.get(kind, [])})
        )
    (dump / "kubecost" / "kubecost-aggregator-0" / "logs.txt").write_text(
        "==== START logs for container aggregator of pod kubecost/kubecost-aggregator-0 ====\n"
        "INF aggregator: ready\n"
        "==== END logs for container aggregator of pod kubecost/kubecost-aggregator-0 ====\n"
    )
    out = import_any(dump, tmp_path / "out", copying_redactor)
    assert verify_bundle(out) == []
    (inst,) = read_manifest(out).environments[0].instances
    assert (inst.namespace, inst.version, inst.flavour) == ("kubecost", "2.4.2", "2.x-duckdb")
    log = "environments/imported/dump/kubecost/cluster-resources/pods/logs/kubecost/kubecost-aggregator-0/aggregator.log"
    assert log in _names(out)


def test_binary_file_is_not_a_bug_report(
    tmp_path: Path, fixtures_dir: Path, copying_redactor
) -> None:
    with pytest.raises(BundleError, match="binary file"):
        import_any(
            fixtures_dir
            / "shared"
            / "pprof"
            / "parca_heap_parca-server_many-1644509299337903000.pb.gz",
            tmp_path,
            copying_redactor,
        )
