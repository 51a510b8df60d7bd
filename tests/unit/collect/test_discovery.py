"""Discovery: Kubecost installs found by Helm labels and images, never by names."""

from __future__ import annotations

from pathlib import Path

from engage.diagnostics.collect.discovery import find_installs, parse_chart
from tests.support import k8s_objects as o
from tests.support.k8s_scenarios import kubecost_2x_duckdb, kubecost_3x_clickhouse


def _workloads(cluster) -> list[dict]:
    return [
        w
        for kind in ("deployments", "statefulsets", "daemonsets")
        for w in cluster.objects.get(kind, [])
    ]


def test_2x_install_is_duckdb_with_chart_version(tmp_path: Path) -> None:
    installs = find_installs(_workloads(kubecost_2x_duckdb("prod", tmp_path)))
    assert [
        (i.namespace, i.release, i.chart, i.version, i.flavour, i.database) for i in installs
    ] == [("kubecost", "kubecost", "cost-analyzer", "2.4.2", "2.x-duckdb", "duckdb")]


def test_3x_install_is_clickhouse() -> None:
    (inst,) = find_installs(_workloads(kubecost_3x_clickhouse("stage", version="3.1.4")))
    assert (inst.chart, inst.version, inst.flavour, inst.database) == (
        "kubecost",
        "3.1.4",
        "3.x",
        "clickhouse",
    )


def test_renamed_release_in_other_namespace(tmp_path: Path) -> None:
    c = kubecost_2x_duckdb("prod", tmp_path, namespace="finops", release="kc")
    (inst,) = find_installs(_workloads(c))
    assert (inst.namespace, inst.release) == ("finops", "kc")


def test_workload_without_chart_label_found_by_image() -> None:
    spec = o.container_spec("cost-model", "gcr.io/kubecost1/cost-model:prod-2.3.1")
    dep = o.workload(
        "Deployment", "costs", "tools", {"app": "cost-analyzer"}, {"app": "cost-analyzer"}, [spec]
    )
    (inst,) = find_installs([dep])
    assert (inst.version, inst.flavour, inst.chart) == ("2.3.1", "2.x-duckdb", None)


def test_2x_on_clickhouse_is_recognised() -> None:
    spec = o.container_spec(
        "aggregator", "icr.io/kubecost/cost-model:2.8.7", env={"USE_DB_V3": "true"}
    )
    sts = o.workload(
        "StatefulSet",
        "kubecost-aggregator",
        "kubecost",
        {
            "app": "aggregator",
            "helm.sh/chart": "cost-analyzer-2.8.7",
            "app.kubernetes.io/instance": "kubecost",
        },
        {"app": "aggregator"},
        [spec],
    )
    (inst,) = find_installs([sts])
    assert inst.flavour == "2.x-clickhouse"


def test_unrelated_workloads_are_ignored() -> None:
    spec = o.container_spec("nginx", "nginx:1.27")
    dep = o.workload(
        "Deployment",
        "web",
        "default",
        {"app": "web", "helm.sh/chart": "nginx-15.1.0"},
        {"app": "web"},
        [spec],
    )
    assert find_installs([dep]) == []


def test_parse_chart() -> None:
    assert parse_chart("cost-analyzer-2.4.2") == ("cost-analyzer", "2.4.2")
    assert parse_chart("kubecost-3.0.0-rc.5") == ("kubecost", "3.0.0-rc.5")
    assert parse_chart("no-version-here") is None
