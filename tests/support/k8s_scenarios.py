"""Ready-made fake clusters: a Kubecost 2.x DuckDB install, a 3.x ClickHouse install, a hung API."""

from __future__ import annotations

import gzip
import json
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.support import k8s_objects as o
from tests.support.k8s_cluster import FakeCluster, LogSource, PodFile, ProxyAnswer, SyntheticLog

AGG_DB_DIR = "/var/configs/waterfowl/duckdb"

COST_MODEL_LOG = [
    '2024-10-23T07:02:11.512345678Z INF Starting cost-model (git commit "2.4.2")',
    "2024-10-23T07:02:12.004512311Z INF Prometheus client: using http://kubecost-prometheus-server.kubecost",
    "2024-10-23T07:02:14.771002311Z INF ETL: Allocation[1d]: build: starting",
    "2024-10-23T07:05:01.020222311Z WRN ETL: Asset[1h]: ClusterManagement cost not found",
    "2024-10-23T07:06:42.300100311Z ERR CostDataRange: Request Error: 503 (Service Unavailable) "
    "URL: 'http://kubecost-prometheus-server.kubecost/api/v1/query_range' Body: "
    '{"status":"error","errorType":"timeout","error":"query timed out in query queue"}',
    "2024-10-23T07:07:00.000000000Z INF Federated storage: wrote aws_secret_access_key="
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY to cache",
]
PREVIOUS_LOG = [
    "2024-10-23T07:01:58.100000000Z INF ETL: Allocation[1h]: build: 71.0% complete",
    "2024-10-23T07:02:08.900000000Z WRN memory usage high: 1.9GiB of 2GiB limit",
]


def make_duckdb(path: Path) -> Path:
    """Create a small DuckDB file shaped like the aggregator's read DB (node_1d, container_1d)."""
    import duckdb

    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute(
            "CREATE TABLE node_1d (providerid VARCHAR, windowstart TIMESTAMP, "
            "windowend TIMESTAMP, totalcost DOUBLE)"
        )
        con.execute(
            "INSERT INTO node_1d VALUES ('i-0abc', '2024-10-21', '2024-10-22', 12.5), "
            "('i-0def', '2024-10-21', '2024-10-22', 9.25)"
        )
        con.execute(
            "CREATE TABLE container_1d (cluster VARCHAR, namespace VARCHAR, pod VARCHAR, "
            "container VARCHAR, windowstart TIMESTAMP, cpucost DOUBLE)"
        )
        con.execute(
            "INSERT INTO container_1d SELECT 'prod', 'ns' || (i % 7), 'pod-' || i, 'c', "
            "'2024-10-21', i * 0.01 FROM range(500) t(i)"
        )
    finally:
        con.close()
    return path


_STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z")


def recent(lines: list[str], *, minutes_ago: int = 90) -> list[str]:
    """Shift leading RFC 3339 timestamps so the first line is `minutes_ago` old (fits --since)."""
    stamps = [_STAMP.match(line) for line in lines]
    first = next((m for m in stamps if m), None)
    if first is None:
        return lines
    start = datetime.fromisoformat(first.group(1)).replace(tzinfo=UTC)
    shift = datetime.now(UTC) - timedelta(minutes=minutes_ago) - start
    out = []
    for line, m in zip(lines, stamps, strict=True):
        if m:
            moved = datetime.fromisoformat(m.group(1)).replace(tzinfo=UTC) + shift
            line = moved.strftime("%Y-%m-%dT%H:%M:%S") + (m.group(2) or "") + "Z" + line[m.end() :]
        out.append(line)
    return out


def _js(obj: Any) -> ProxyAnswer:
    return ProxyAnswer(json.dumps(obj).encode())


def _labels(app: str, name: str, release: str, chart: str) -> dict[str, str]:
    return {
        "app": app,
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/instance": release,
        "app.kubernetes.io/managed-by": "Helm",
        "helm.sh/chart": chart,
    }


def _helm(release: str, namespace: str) -> dict[str, str]:
    return {"meta.helm.sh/release-name": release, "meta.helm.sh/release-namespace": namespace}


def _add_workload(
    c: FakeCluster,
    kind: str,
    name: str,
    ns: str,
    labels: dict[str, str],
    containers: list[dict[str, Any]],
    pod_name: str,
    node_name: str,
    release: str,
    statuses: list[dict[str, Any]] | None = None,
) -> None:
    plural = {
        "Deployment": "deployments",
        "StatefulSet": "statefulsets",
        "DaemonSet": "daemonsets",
    }[kind]
    selector = {"app": labels["app"], "app.kubernetes.io/instance": release}
    c.add(plural, o.workload(kind, name, ns, labels, selector, containers, _helm(release, ns)))
    c.add(
        "pods",
        o.pod(
            pod_name,
            ns,
            {**labels, "pod-template-hash": "7d9f8b6c5"},
            containers,
            node=node_name,
            owner=(kind, name),
            statuses=statuses,
        ),
    )


def _common(c: FakeCluster) -> None:
    c.add("nodes", o.node("ip-10-0-12-7.ec2.internal", "m5.xlarge", "us-east-1a"))
    c.add("nodes", o.node("ip-10-0-40-3.ec2.internal", "m5.2xlarge", "us-east-1b"))


def kubecost_2x_duckdb(
    name: str,
    workdir: Path,
    *,
    namespace: str = "kubecost",
    release: str = "kubecost",
    version: str = "2.4.2",
    heap_profile: bytes | None = None,
    log_size: int | None = None,
) -> FakeCluster:
    """A cluster with Kubecost 2.x (chart cost-analyzer) whose aggregator keeps a DuckDB read DB."""
    c = FakeCluster(name)
    _common(c)
    ns, chart = namespace, f"cost-analyzer-{version}"
    image = f"gcr.io/kubecost1/cost-model:prod-{version}"
    ca = _labels("cost-analyzer", "cost-analyzer", release, chart)
    cm = o.container_spec("cost-model", image, [9003], ["/var/configs"])
    fe = o.container_spec(
        "cost-analyzer-frontend", f"gcr.io/kubecost1/frontend:prod-{version}", [9090]
    )
    ca_pod = f"{release}-cost-analyzer-7d9f8b6c5-x2k4p"
    _add_workload(
        c,
        "Deployment",
        f"{release}-cost-analyzer",
        ns,
        ca,
        [cm, fe],
        ca_pod,
        "ip-10-0-12-7.ec2.internal",
        release,
        [o.container_status(cm, restarts=2, last_reason="OOMKilled"), o.container_status(fe)],
    )
    agg = o.container_spec(
        "aggregator", image, [9004], [AGG_DB_DIR, "/var/configs"], {"DB_READ_THREADS": "2"}
    )
    agg_labels = _labels("aggregator", "aggregator", release, chart)
    _add_workload(
        c,
        "StatefulSet",
        f"{release}-aggregator",
        ns,
        agg_labels,
        [agg],
        f"{release}-aggregator-0",
        "ip-10-0-40-3.ec2.internal",
        release,
    )
    cc = o.container_spec("cloud-cost", image, [9005])
    _add_workload(
        c,
        "Deployment",
        f"{release}-cloud-cost",
        ns,
        _labels("cloud-cost", "cloud-cost", release, chart),
        [cc],
        f"{release}-cloud-cost-5c8d7f9b4-q8w2e",
        "ip-10-0-12-7.ec2.internal",
        release,
    )
    prom = o.container_spec("prometheus-server", "quay.io/prometheus/prometheus:v2.54.1", [9090])
    prom_labels = {
        "app": "prometheus",
        "component": "server",
        "release": release,
        "chart": "prometheus-25.27.0",
        "heritage": "Helm",
    }
    c.add(
        "deployments",
        o.workload(
            "Deployment",
            f"{release}-prometheus-server",
            ns,
            prom_labels,
            {"app": "prometheus", "component": "server"},
            [prom],
            _helm(release, ns),
        ),
    )
    c.add(
        "pods",
        o.pod(
            f"{release}-prometheus-server-6b7c9d-zz81k",
            ns,
            prom_labels,
            [prom],
            node="ip-10-0-40-3.ec2.internal",
            owner=("Deployment", f"{release}-prometheus-server"),
        ),
    )
    nc = o.container_spec(
        f"{release}-network-costs", "gcr.io/kubecost1/kubecost-network-costs:v0.17.6", [3001]
    )
    c.add(
        "daemonsets",
        o.workload(
            "DaemonSet",
            f"{release}-network-costs",
            ns,
            {
                "app": f"{release}-network-costs",
                "helm.sh/chart": chart,
                "app.kubernetes.io/instance": "kubecost",
            },
            {"app": f"{release}-network-costs"},
            [nc],
            _helm(release, ns),
        ),
    )
    for svc, app, ports in (
        (f"{release}-cost-analyzer", "cost-analyzer", {"tcp-model": 9003, "tcp-frontend": 9090}),
        (f"{release}-aggregator", "aggregator", {"tcp-api": 9004}),
        (f"{release}-cloud-cost", "cloud-cost", {"tcp-cloud-cost": 9005}),
        (f"{release}-prometheus-server", "prometheus", {"http": 80}),
    ):
        c.add(
            "services", o.service(svc, ns, _labels(app, app, release, chart), {"app": app}, ports)
        )
    c.add("persistentvolumeclaims", o.pvc(f"{release}-cost-analyzer", ns, ca, "32Gi"))
    c.add(
        "persistentvolumeclaims",
        o.pvc(f"aggregator-db-storage-{release}-aggregator-0", ns, {"app": "aggregator"}, "128Gi"),
    )
    c.add(
        "events",
        o.event(ns, "Pod", ca_pod, "BackOff", "Back-off restarting failed container cost-model"),
    )
    c.add(
        "events", o.event(ns, "Pod", ca_pod, "Pulled", "Container image already present", "Normal")
    )
    c.add(
        "configmaps",
        o.configmap(
            f"{release}-cost-analyzer",
            ns,
            ca,
            {"kubecost-token": "not-a-real-token", "prometheus-alertmanager-endpoint": ""},
            _helm(release, ns),
        ),
    )
    c.add(
        "configmaps",
        o.configmap("kube-root-ca.crt", ns, {}, {"ca.crt": "-----BEGIN CERTIFICATE-----"}),
    )
    _logs_2x(c, ns, release, ca_pod, log_size)
    _proxy_2x(c, ns, release, version, heap_profile)
    db = make_duckdb(workdir / f"{name}-kubecost.duckdb.read")
    files = c.pod_file(ns, f"{release}-aggregator-0", "aggregator")
    stamp = int(time.time()) - 3600
    files[f"{AGG_DB_DIR}/v0_9_2/kubecost-{stamp}.duckdb.read"] = PodFile(db, mtime=stamp)
    files[f"{AGG_DB_DIR}/v0_9_2/kubecost.duckdb.write"] = PodFile(db, mtime=stamp + 30)
    return c


def _logs_2x(c: FakeCluster, ns: str, release: str, ca_pod: str, log_size: int | None) -> None:
    def log(lines: list[str]) -> LogSource:
        if log_size:
            return SyntheticLog(log_size, recent(lines))
        return ("\n".join(recent(lines)) + "\n").encode()

    c.logs[(ns, ca_pod, "cost-model", False)] = log(COST_MODEL_LOG)
    c.logs[(ns, ca_pod, "cost-model", True)] = log(PREVIOUS_LOG)
    c.logs[(ns, ca_pod, "cost-analyzer-frontend", False)] = log(
        ['10.42.1.1 - - [23/Oct/2024:07:10:01 +0000] "GET /model/allocation HTTP/1.1" 200 1532']
    )
    c.logs[(ns, f"{release}-aggregator-0", "aggregator", False)] = log(
        [
            "2024-10-23T07:03:00.000000000Z INF aggregator: orchestrator state: ingesting",
            "2024-10-23T07:09:00.000000000Z INF aggregator: derivation complete for container_1d",
        ]
    )
    c.logs[(ns, f"{release}-cloud-cost-5c8d7f9b4-q8w2e", "cloud-cost", False)] = log(
        ["2024-10-23T07:04:00.000000000Z INF CloudCost: ingestion complete"]
    )
    c.logs[(ns, f"{release}-prometheus-server-6b7c9d-zz81k", "prometheus-server", False)] = log(
        ['ts=2024-10-23T07:00:00.000Z caller=main.go:1150 level=info msg="Server is ready"']
    )


def _proxy_2x(c: FakeCluster, ns: str, release: str, version: str, heap: bytes | None) -> None:
    cm, agg, cc, fe = (
        (f"{release}-cost-analyzer", 9003),
        (f"{release}-aggregator", 9004),
        (f"{release}-cloud-cost", 9005),
        (f"{release}-cost-analyzer", 9090),
    )
    heap = heap or gzip.compress(b"\x0a\x04heap", mtime=0)
    answers = {
        (cm, "installInfo"): _js(
            {
                "containers": [
                    {
                        "containerName": "cost-model",
                        "image": f"gcr.io/kubecost1/cost-model:prod-{version}",
                    }
                ],
                "version": f"prod-{version}",
            }
        ),
        (cm, "clusterInfo"): _js(
            {
                "code": 200,
                "data": {
                    "id": c.name,
                    "name": c.name,
                    "provider": "AWS",
                    "region": "us-east-1",
                    "version": f"{version}",
                    "thanosEnabled": "false",
                    "valuesReporting": "true",
                },
            }
        ),
        (cm, "helmValues"): _js(
            {
                "global": {"prometheus": {"enabled": True}},
                "kubecostProductConfigs": {
                    "clusterName": c.name,
                    "productKey": {"key": "KC-2f8e-SECRET-PRODUCT-KEY"},
                },
                "kubecostAggregator": {"deployMethod": "statefulset"},
            }
        ),
        (cm, "status"): _js({"code": 200, "data": {"prometheus": {"version": "2.54.1"}}}),
        (cm, "etl/log"): _js(
            {
                "code": 200,
                "data": {
                    "events": [{"kind": "AllocationSetComputeError", "message": "query timed out"}]
                },
            }
        ),
        (cm, "diagnostics/prometheusMetrics"): _js({"code": 200, "data": []}),
        (cm, "debug/pprof/heap"): ProxyAnswer(heap, content_type="application/octet-stream"),
        (agg, "debug/orchestrator"): _js(
            {
                "state": "ingesting",
                "readDBPath": f"{AGG_DB_DIR}/v0_9_2/kubecost-1729600000.duckdb.read",
            }
        ),
        (agg, "clusters/status"): _js(
            {"code": 200, "data": [{"clusterId": c.name, "status": "ok"}]}
        ),
        (agg, "diagnostic/databaseDirectory"): _js(
            {"files": ["v0_9_2/kubecost-1729600000.duckdb.read"]}
        ),
        (agg, "debug/pprof/heap"): ProxyAnswer(heap, content_type="application/octet-stream"),
        (cc, "cloudCost/status"): _js(
            {
                "code": 200,
                "data": [{"key": "aws-athena", "connectionStatus": "Missing Permissions"}],
            }
        ),
        (fe, "model/productConfigs"): _js({"chartVersion": version, "ssoConfigured": "false"}),
    }
    for ((svc, port), path), answer in answers.items():
        c.proxy[(ns, svc, port, path)] = answer


def kubecost_3x_clickhouse(
    name: str, *, namespace: str = "kubecost", release: str = "kubecost", version: str = "3.1.0"
) -> FakeCluster:
    """A cluster with Kubecost 3.x (chart kubecost): aggregator on ClickHouse, finopsagent."""
    c = FakeCluster(name)
    _common(c)
    ns, chart = namespace, f"kubecost-{version}"
    image = f"icr.io/kubecost/cost-model:{version}"
    agg = o.container_spec(
        "aggregator", image, [9004, 9008], ["/var/lib/clickhouse", "/var/configs"]
    )
    _add_workload(
        c,
        "StatefulSet",
        f"{release}-aggregator",
        ns,
        _labels("aggregator", "aggregator", release, chart),
        [agg],
        f"{release}-aggregator-0",
        "ip-10-0-12-7.ec2.internal",
        release,
    )
    fe = o.container_spec("frontend", f"icr.io/kubecost/frontend:{version}", [9090])
    _add_workload(
        c,
        "Deployment",
        f"{release}-frontend",
        ns,
        _labels("cost-analyzer", "frontend", release, chart),
        [fe],
        f"{release}-frontend-84c9d5f7b-mm2pl",
        "ip-10-0-40-3.ec2.internal",
        release,
    )
    cc = o.container_spec("cloud-cost", image, [9005])
    _add_workload(
        c,
        "Deployment",
        f"{release}-cloud-cost",
        ns,
        _labels("cloud-cost", "cloud-cost", release, chart),
        [cc],
        f"{release}-cloud-cost-6d5f-k2j3h",
        "ip-10-0-40-3.ec2.internal",
        release,
    )
    fa = o.container_spec("finops-agent", "icr.io/ibm-finops/agent:1.0.25", [9003])
    fa_labels = {
        "app.kubernetes.io/name": "finopsagent",
        "app.kubernetes.io/instance": release,
        "helm.sh/chart": "finops-agent-1.0.25",
        "app": "finopsagent",
    }
    _add_workload(
        c,
        "Deployment",
        f"{release}-finopsagent",
        ns,
        fa_labels,
        [fa],
        f"{release}-finopsagent-5f6b8-abcde",
        "ip-10-0-12-7.ec2.internal",
        release,
    )
    for svc, app, ports in (
        (f"{release}-aggregator", "aggregator", {"tcp-api": 9004, "tcp-api-rbac": 9008}),
        (f"{release}-frontend", "cost-analyzer", {"tcp-frontend": 9090}),
        (f"{release}-cloud-cost", "cloud-cost", {"tcp-cloud-cost": 9005}),
    ):
        c.add(
            "services", o.service(svc, ns, _labels(app, app, release, chart), {"app": app}, ports)
        )
    c.add(
        "persistentvolumeclaims",
        o.pvc(f"aggregator-db-storage-{release}-aggregator-0", ns, {"app": "aggregator"}, "128Gi"),
    )
    c.add(
        "configmaps",
        o.configmap(
            f"helm-values-{release}",
            ns,
            _labels("aggregator", "aggregator", release, chart),
            {
                "values.yaml": "global:\n  clusterId: "
                + name
                + "\n  acknowledged: true\ncloudCost:\n  enabled: true\n"
            },
            _helm(release, ns),
        ),
    )
    c.logs[(ns, f"{release}-aggregator-0", "aggregator", False)] = (
        b"2025-10-01T10:00:00.000000000Z INF Starting aggregator (3.1.0) with ClickHouse\n"
        b"2025-10-01T10:00:05.000000000Z ERR ClickHouse: code: 241, MEMORY_LIMIT_EXCEEDED\n"
    )
    c.logs[(ns, f"{release}-frontend-84c9d5f7b-mm2pl", "frontend", False)] = b"nginx ready\n"
    c.logs[(ns, f"{release}-cloud-cost-6d5f-k2j3h", "cloud-cost", False)] = b"cloud cost ok\n"
    c.logs[(ns, f"{release}-finopsagent-5f6b8-abcde", "finops-agent", False)] = b"agent shipping\n"
    agg_svc, fe_svc = f"{release}-aggregator", f"{release}-frontend"
    c.proxy[(ns, fe_svc, 9090, "model/installInfo")] = _js({"version": version})
    c.proxy[(ns, agg_svc, 9004, "clusterInfo")] = _js(
        {"code": 200, "data": {"id": name, "version": version}}
    )
    c.proxy[(ns, agg_svc, 9004, "debug/orchestrator")] = _js({"state": "deriving"})
    c.proxy[(ns, agg_svc, 9004, "healthz")] = ProxyAnswer(b"ok", content_type="text/plain")
    c.proxy[(ns, agg_svc, 9004, "debug/pprof/heap")] = ProxyAnswer(
        gzip.compress(b"\x0a\x04heap", mtime=0), content_type="application/octet-stream"
    )
    return c


def hung_cluster(name: str) -> FakeCluster:
    """A cluster whose API server accepts connections and never answers (a down VPN, a dead LB)."""
    return FakeCluster(name, delay=3600.0)
