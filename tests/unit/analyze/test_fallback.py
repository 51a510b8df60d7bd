"""The fallback tier, the OpenCost catalogue, and one finding per cause."""

from __future__ import annotations

import json
from pathlib import Path

from engage.diagnostics.analyze import Severity, analyze_path
from engage.diagnostics.analyze.catalogue import Catalogue
from engage.diagnostics.analyze.fallback import RULE_ID, categorise, shape_of

from .logbuilder import console_log, stamp


def _log(tmp_path: Path, lines: list[str], name: str = "cost-model.log") -> Path:
    path = tmp_path / name
    path.write_text("".join(f"{stamp(n)} {line}\n" for n, line in enumerate(lines)))
    return path


def test_unknown_error_lines_become_one_warning_per_shape(tmp_path: Path) -> None:
    lines = [f"ERR frobnicator: widget {n} exploded at 10.0.0.{n}" for n in range(30)]
    lines += ["INF all good"] * 10 + ["ERR something else entirely broke"]
    report = analyze_path(_log(tmp_path, lines))
    fallback = [f for f in report.findings if f.rule_id == RULE_ID]
    assert [f.count for f in fallback] == [30, 1]
    assert all(f.severity == Severity.WARNING for f in fallback)
    assert fallback[0].first_seen == stamp(0)[:19] + "Z"
    assert fallback[0].last_seen == stamp(29)[:19] + "Z"
    assert "cost-model" in fallback[0].title
    assert report.exit_code == 0


def test_info_lines_and_claimed_lines_do_not_fall_back(tmp_path: Path) -> None:
    lines = [
        "INF request failed to be cached, retrying",  # info level: not an error
        "ERR Prometheus communication error: nil queryResult",  # a specific rule claims it
        "ERR boundary error: requested [2024-01-01T00:00:00+0000, x); supported [y, z)",
    ]
    report = analyze_path(_log(tmp_path, lines))
    assert RULE_ID not in {f.rule_id for f in report.findings}


def test_failure_word_without_level_falls_back(tmp_path: Path) -> None:
    path = tmp_path / "cluster-controller.log"
    path.write_text("starting\nfailed to resize node pool pool-1: quota exhausted\n")
    (finding,) = [f for f in analyze_path(path).findings if f.rule_id == RULE_ID]
    assert finding.evidence[0].line == 2


def test_shape_strips_numbers_ids_and_addresses() -> None:
    one = shape_of("pod kubecost-cost-analyzer-7d9f8c6b5-q2w3e at 10.1.2.3:9090 took 15ms")
    two = shape_of("pod kubecost-cost-analyzer-5c4b3a2d1-zz9yy at 10.9.8.7:9003 took 900ms")
    assert one == two
    assert shape_of("id 6f1f0b3c-2a9e-4a6f-9c1e-2f0f3e5b7d11 at https://x.y/z?q=1") == (
        "id <id> at <url>"
    )


def test_category_from_subsystem_words_then_component() -> None:
    assert categorise("Athena query failed for bucket", "cost-model") == "cloud-integration"
    assert categorise("DuckDB write failed", "cost-model") == "aggregator"
    assert categorise("something odd happened", "aggregator") == "aggregator"
    assert categorise("something odd happened", "kubecost-network-costs") == "network-costs"
    assert categorise("could not verify JWT token", "cost-model") == "auth"
    assert categorise("no space left on device on PVC", "cost-model") == "storage"


def test_catalogue_is_mined_data_with_licence_note() -> None:
    resource = Path(__file__).resolve().parents[3] / (
        "src/engage/diagnostics/analyze/catalogue/opencost-messages.json"
    )
    doc = json.loads(resource.read_text())
    assert "Apache License" in doc["licence"] and len(doc["commit"]) == 40
    packages = {e["package"] for e in doc["entries"]}
    assert {"pkg/prom", "pkg/cloud/aws", "pkg/costmodel"} <= packages
    catalogue = Catalogue.packaged()
    assert len(catalogue) > 1000
    found = catalogue.lookup("WRN Node i-0abc marked preemptible but we have no data in spot feed")
    assert found is not None and found.category == "cloud-integration"
    assert catalogue.lookup("all is well") is None


def test_catalogue_lookup_cost_is_flat_in_size() -> None:
    entries = [
        {"package": "pkg/x", "level": "error", "category": "etl", "template": f"word{n} alpha beta"}
        for n in range(5000)
    ]
    big = Catalogue(entries)
    # each template is indexed once, under its rarest word: one short bucket per line word
    assert max(len(bucket) for bucket in big._index.values()) == 1
    found = big.lookup("ERR word42 alpha beta failed")
    assert found is not None and found.text == "word42 alpha beta"


def test_one_finding_per_line_with_the_others_folded_in(tmp_path: Path) -> None:
    line = (
        "ERR Failed to query prometheus at http://prom:9090: Post "
        '"http://prom:9090/api/v1/query_range": context deadline exceeded'
    )
    report = analyze_path(_log(tmp_path, [line]))
    kept = [f for f in report.findings if f.category != "version"]
    assert [f.rule_id for f in kept] == ["prometheus-query-overloaded"]
    assert "prometheus-unreachable" in kept[0].related


def test_athena_access_denied_is_one_cloud_finding(tmp_path: Path) -> None:
    line = (
        "ERR CloudCost[1234/s3://x]: ingestor: build failed for window [a, b): "
        "QueryAthenaPaginated: start query error: AccessDeniedException: User is not "
        "authorized to perform: athena:StartQueryExecution"
    )
    report = analyze_path(_log(tmp_path, [line], "cloud-cost.log"))
    kept = [f for f in report.findings if f.category != "version"]
    assert [f.rule_id for f in kept] == ["aws-athena-query-failed"]
    assert {"cloud-cost-ingestion-failed", "cloud-permission-denied"} <= set(kept[0].related)


def test_related_rules_are_in_the_extended_json_only(tmp_path: Path) -> None:
    path = tmp_path / "cost-model.log"
    path.write_text(console_log("cost-model", "Prometheus communication error: nil queryResult"))
    report = analyze_path(path)
    assert "related" not in report.to_dict()["findings"][0]
    assert "related" in report.to_dict(extended=True)["findings"][0]
