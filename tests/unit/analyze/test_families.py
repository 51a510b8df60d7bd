"""Rules recognise families of messages, not the literal development lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from engage.diagnostics.analyze import analyze_path

from .logbuilder import console_log

# Other wordings of the same failures: different hosts, ids, windows, versions and log shapes.
VARIANTS = [
    (
        "prometheus",
        "No valid prometheus config file at thanos-query.mon:10902. Error: Get "
        "thanos-query.mon:10902/api/v1/status/config: unsupported protocol scheme",
    ),
    (
        "prometheus",
        "QueryRange: Request Error: 503 (Service Unavailable) URL: "
        "'http://prom.obs.svc:9090/api/v1/query_range' Body: overloaded",
    ),
    (
        "prometheus",
        "error computing aggregate cost model: Prometheus communication error: nil queryResult",
    ),
    (
        "prometheus",
        "Failed to query prometheus at http://10.2.3.4:9090: dial tcp 10.2.3.4:9090: i/o timeout",
    ),
    ("prometheus", 'level=error msg="error querying Prometheus: bad_data"'),
    (
        "etl",
        "[Error] ETL: Allocation[1d]: Build[Qz81]: MergeRange error: boundary error: "
        "requested [2024-01-01T00:00:00+0000, 2024-01-02T00:00:00+0000); supported "
        "[2024-02-01T00:00:00+0000, 2024-02-03T00:00:00+0000)",
    ),
    ("etl", "ERR ETL: Asset[1h]: Run: error saving asset set: timeout"),
    (
        "aggregator",
        "ERR error doing initial open of DB: error opening db at path "
        "/var/configs/waterfowl/duckdb/v1_2_0/kubecost.duckdb.read: migrating up: "
        "no migration found for version 20250601000000",
    ),
    (
        "aggregator",
        "ERR Ingestor: insert error: failed to write parquet for file "
        "federated/aks-1/etl/bingen/assets/1d/1716940800-1717027200",
    ),
    ("storage", "ERR failed to save: mkdir /var/configs/db/etl: read-only file system"),
    ("storage", "WRN ClusterStorage: failed to connect to cluster storage. retry in 30s"),
    (
        "cloud-integration",
        "ERR CloudCost[1111/s3://x]: ingestor: build failed for window "
        "[2024-01-01T00:00:00+0000, 2024-01-08T00:00:00+0000): "
        "QueryAthenaPaginated: query execution error: FAILED",
    ),
    (
        "cloud-integration",
        "SYNTAX_ERROR: line 12:5: Column 'product_instance_type' cannot be resolved",
    ),
    ("cloud-integration", "googleapi: Error 404: Not found: Dataset acme:billing, notFound"),
    (
        "networking",
        'nginx: [emerg] host not found in upstream "kc-aggregator.cost:9004" in '
        "/etc/nginx/conf.d/default.conf:77",
    ),
    ("networking", "dial tcp: lookup kc-cost-analyzer.finops on 172.20.0.10:53: no such host"),
    (
        "network-costs",
        "ERROR network_costs_rs::classifier::network_classifier: Could not locate "
        "zone for local node: worker-7",
    ),
    ("auth", "failed to post turndown schedule: non-OK status code (403)"),
    (
        "license",
        "Current core count of 96 is greater than the maximum of 80 for a non-enterprise license.",
    ),
    (
        "helm-config",
        "Error: execution error at (kubecost/templates/frontend/frontend-"
        "deployment.yaml:3:4): In Kubecost 3.0, `.Values.global.clusterId` is "
        "required to be set",
    ),
    ("helm-config", "Error: listen tcp :9003: bind: address already in use"),
    ("memory", "fatal error: runtime: out of memory"),
]


@pytest.mark.parametrize(("category", "line"), VARIANTS, ids=lambda v: str(v)[:30])
def test_variant_is_recognised(category: str, line: str, tmp_path: Path) -> None:
    path = tmp_path / "cost-model.log"
    path.write_text(console_log("cost-model", line))
    categories = {f.category for f in analyze_path(path).findings}
    assert category in categories


def test_healthy_log_has_no_findings(tmp_path: Path) -> None:
    path = tmp_path / "cost-model.log"
    path.write_text(console_log("cost-model", "INF everything fine", noise=400))
    report = analyze_path(path)
    assert [f.rule_id for f in report.findings if f.category != "version"] == []


def test_aggregator_own_failures_in_a_3x_bundle(tmp_path: Path) -> None:
    from .logbuilder import bundle_tar

    log = (
        "2025-10-01T10:00:00.000000000Z INF Starting aggregator (3.1.0) with ClickHouse\n"
        "2025-10-01T10:00:05.000000000Z ERR ClickHouse: code: 241, MEMORY_LIMIT_EXCEEDED\n"
        "2025-10-01T10:00:09.000000000Z ERR error querying DB: Binder Error: Referenced "
        'column "RatedGPUCost" not found in FROM clause\n'
    )
    report = analyze_path(
        bundle_tar(tmp_path / "b.tar.gz", {"kubecost-aggregator-0/aggregator": log})
    )
    (finding,) = [f for f in report.findings if f.category == "aggregator"]
    assert finding.rule_id == "aggregator-query-failed" and finding.count == 2
