"""HAR files and heap profiles are read, not skipped as binary."""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

import pytest

from engage.diagnostics.analyze import Severity, analyze_path, render_html
from engage.diagnostics.har import endpoint_of

from .conftest import ANALYZE_FIXTURES
from .profilebuilder import heap_profile

HAR = ANALYZE_FIXTURES / "har" / "kubecost-ui.har"
PPROF = ANALYZE_FIXTURES / "pprof"
KC = "github.com/kubecost/kubecost-cost-model/pkg/"


def test_har_failed_and_slow_requests_by_endpoint() -> None:
    report = analyze_path(HAR)
    by_title = {f.title.split(":")[0]: f for f in report.findings}
    failed = by_title["GET /model/allocation"]
    assert failed.severity == Severity.ERROR and failed.count == 2
    assert failed.category == "aggregator"  # from the error text in the response body
    assert (
        "window=7d" in failed.evidence[0].excerpt and "Binder Error" in failed.evidence[0].excerpt
    )
    assert "31250 ms" in failed.evidence[0].excerpt
    assert by_title["GET /model/assets"].title.endswith("timed out (1x, up to 60.0s)")
    assert by_title["GET /model/allocation/summary/topline"].rule_id == "har-request-slow"
    assert by_title["GET /model/cloudCost/view/graph"].severity == Severity.WARNING  # aborted
    assert by_title["GET /css2"].severity == Severity.INFO  # third-party request
    assert not any("binary" in s.reason for s in report.skipped)
    assert len(report.requests) == 9


def test_har_timings_chart_in_html() -> None:
    html = render_html(analyze_path(HAR))
    assert "Browser requests (HAR)" in html and "GET /model/assets" in html


def test_har_inside_a_bundle_is_read(tmp_path: Path) -> None:
    target = tmp_path / "b.tar.gz"
    with tarfile.open(target, "w:gz") as archive:
        archive.add(HAR, arcname="support/kubecost-ui.har")
    ids = {f.rule_id for f in analyze_path(target).findings}
    assert {"har-request-failed", "har-summary"} <= ids


def test_endpoint_normalises_ids() -> None:
    assert endpoint_of("https://k/model/allocation?window=7d") == "/model/allocation"
    assert endpoint_of("https://k/api/reports/6f1f0b3c-2a9e-4a6f-9c1e-2f0f3e5b7d11") == (
        "/api/reports/{id}"
    )


def test_real_browser_hars_give_no_errors(tmp_path: Path) -> None:
    for har in sorted((ANALYZE_FIXTURES / "har").glob("*_*.har")):
        shutil.copy(har, tmp_path / har.name)
    report = analyze_path(tmp_path)
    assert [f for f in report.findings if f.severity >= Severity.ERROR] == []
    assert sum(1 for f in report.findings if f.rule_id == "har-summary") == 6


def test_heap_profile_summary_and_dominant_etl(tmp_path: Path) -> None:
    path = heap_profile(
        tmp_path / "heap.pb.gz",
        [
            ([KC + "etl.(*AllocationSet).Clone", KC + "etl.(*Builder).Build", "main"], 700 << 20),
            (["encoding/json.(*decodeState).object", KC + "prom.Decode", "main"], 150 << 20),
            (["bytes.makeSlice", "main"], 50 << 20),
        ],
    )
    report = analyze_path(path)
    (heavy,) = [f for f in report.findings if f.rule_id == "heap-heavy-path"]
    assert heavy.category == "memory" and heavy.title.startswith("ETL build holds 78%")
    packages = report.profiles[0]["inuse_space"]["packages"]
    # encoding/json called from Kubecost's prom package is charged to that package
    assert [p["package"] for p in packages[:2]] == [KC + "etl", KC + "prom"]
    assert report.exit_code == 0


def test_heap_profile_dominated_by_query_decoding(tmp_path: Path) -> None:
    path = heap_profile(
        tmp_path / "heap",
        [
            (["encoding/json.(*decodeState).literalStore", KC + "prom.(*QueryResult).Decode"], 90),
            ([KC + "costmodel.(*CostModel).ComputeAllocation"], 10),
        ],
    )
    titles = [f.title for f in analyze_path(path).findings if f.rule_id == "heap-heavy-path"]
    assert titles == ["query result decoding holds 90% of the heap (inuse_space)"]


def test_cpu_profile_is_noted_not_misread(tmp_path: Path) -> None:
    report = analyze_path(PPROF / "parca_cpu_fib.pb.gz")
    assert report.findings == [] and "not a heap profile" in report.skipped[0].reason


@pytest.mark.parametrize(
    "name",
    [
        "parca_heap_alloc_space_delta.pb.gz",
        "parca_heap_parca-server_many-1644509299337903000.pb.gz",
    ],
)
def test_real_heap_profiles_are_summarised(name: str) -> None:
    report = analyze_path(PPROF / name)
    (summary,) = [f for f in report.findings if f.rule_id == "heap-profile-summary"]
    assert summary.severity == Severity.INFO and len(summary.evidence) >= 4
    assert report.profiles[0]["inuse_space"]["sites"][0]["share"] > 0.2
    assert report.exit_code == 0


def test_har_behind_an_ingress_sub_path(tmp_path: Path) -> None:
    text = HAR.read_text().replace("internal/model/", "internal/kubecost/model/")
    path = tmp_path / "ui.har"
    path.write_text(text)
    report = analyze_path(path)
    failed = [f for f in report.findings if f.title.startswith("GET /kubecost/model/allocation:")]
    assert failed and failed[0].severity == Severity.ERROR


def test_corrupt_profile_is_reported_not_crashing(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "heap.pb.gz"
    path.write_bytes(gzip.compress(b"\x0a\xff\xff\xff"))
    report = analyze_path(path)
    assert report.findings == []
    assert "not a readable pprof profile" in report.skipped[0].reason


def test_har_saved_as_json_is_read(tmp_path: Path) -> None:
    path = tmp_path / "network-export.json"
    path.write_text(HAR.read_text())
    ids = {f.rule_id for f in analyze_path(path).findings}
    assert {"har-request-failed", "har-summary"} <= ids
