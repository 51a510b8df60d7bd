"""Input kinds and bad input: everything readable is analysed, the rest is reported."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path

import pytest

from engage.diagnostics.analyze import AnalyzeError, analyze_path
from engage.diagnostics.analyze.inputs import split_bug_report

from .logbuilder import bug_report, bundle_tar, console_log, manifest

FAIL = "ERR Prometheus communication error: nil queryResult"


def _reasons(report: object) -> list[str]:
    return [s.reason for s in report.skipped]  # type: ignore[attr-defined]


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(AnalyzeError):
        analyze_path(tmp_path / "nope")


def test_truncated_archive_keeps_what_was_read(tmp_path: Path) -> None:
    logs = {
        f"kubecost-cost-analyzer-1/cost-model-{n}": console_log("cost-model", FAIL, noise=3000)
        for n in range(4)
    }
    whole = bundle_tar(tmp_path / "b.tar.gz", logs).read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(whole[: int(len(whole) * 0.6)])
    report = analyze_path(cut)
    assert any("truncated" in r for r in _reasons(report))
    assert any(f.rule_id == "prometheus-query-failed" for f in report.findings)


def test_not_gzip_garbage_file_is_a_log_without_findings(tmp_path: Path) -> None:
    path = tmp_path / "weird.bin"
    path.write_bytes(bytes(range(256)) * 10)
    report = analyze_path(path)
    assert report.findings == [] and "binary file (not analysed)" in _reasons(report)


def test_invalid_utf8_and_crlf_lines_are_still_matched(tmp_path: Path) -> None:
    path = tmp_path / "cost-model.log"
    path.write_bytes(
        b"\xff\xfe broken \xc3\x28\r\n2024-05-14T09:00:00Z "
        + FAIL.encode()
        + b" \xe2\x82\r\nend\r\n"
    )
    report = analyze_path(path)
    finding = next(f for f in report.findings if f.rule_id == "prometheus-query-failed")
    assert finding.evidence[0].line == 2


def test_huge_single_line_is_scanned_in_windows(tmp_path: Path) -> None:
    path = tmp_path / "cost-model.log"
    with path.open("wb") as handle:
        handle.write(b"x" * (9 * 1024 * 1024))
        handle.write(b" no space left on device ")
        handle.write(b"y" * (2 * 1024 * 1024))
    report = analyze_path(path)
    assert any(f.rule_id == "storage-volume-full" for f in report.findings)
    assert any("over-long" in r for r in _reasons(report))
    assert all(len(e.excerpt) <= 400 for f in report.findings for e in f.evidence)


def test_empty_inputs(tmp_path: Path) -> None:
    empty = tmp_path / "empty.log"
    empty.write_bytes(b"")
    assert analyze_path(empty).findings == []
    assert "empty file" in _reasons(analyze_path(empty))
    folder = tmp_path / "dir"
    folder.mkdir()
    report = analyze_path(folder)
    assert report.findings == [] and len(report.instances) == 1


def test_unknown_json_layout_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "thing.json"
    path.write_text(json.dumps({"hello": "world"}))
    assert "document not recognised" in _reasons(analyze_path(path))
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert any(r.startswith("invalid JSON") for r in _reasons(analyze_path(bad)))


def test_json_lines_log_without_extension(tmp_path: Path) -> None:
    path = tmp_path / "aggregator"
    lines = [
        json.dumps({"level": "info", "message": "ok"}),
        json.dumps({"level": "error", "message": "no space left on device"}),
    ]
    path.write_text("\n".join(lines) + "\n")
    assert any(f.rule_id == "storage-volume-full" for f in analyze_path(path).findings)


def test_bug_report_sections() -> None:
    text = bug_report(
        {"kc-cost-analyzer-1:cost-model": "line a\nline b", "kc-aggregator-0:aggregator": "line c"}
    ).encode()
    sections = split_bug_report(text)
    assert [(s.pod, s.container) for s in sections][1:] == [
        ("kc-cost-analyzer-1", "cost-model"),
        ("kc-aggregator-0", "aggregator"),
    ]
    assert text.split(b"\n")[sections[1].first_line - 1] == b"line a"


def test_bug_report_line_numbers_point_into_the_file(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_text(bug_report({"kc-cost-analyzer-1:cost-model": console_log("cost-model", FAIL)}))
    finding = next(f for f in analyze_path(path).findings if f.rule_id == "prometheus-query-failed")
    line = finding.evidence[0].line
    assert line is not None and FAIL in path.read_text().splitlines()[line - 1]


def test_engage_bundle_directory_and_manifest_instances(tmp_path: Path) -> None:
    root = tmp_path / "engage-bundle-x"
    inst = root / "environments/prod/eks-1/kubecost"
    logs = inst / "cluster-resources/pods/logs/kubecost/kubecost-aggregator-0"
    logs.mkdir(parents=True)
    (root / "manifest.json").write_text(json.dumps(manifest("eks-1", "2.4.2")))
    (logs / "aggregator.log").write_text(console_log("aggregator", "ERR Ingestor: insert error"))
    (inst / "profiles").mkdir()
    (inst / "profiles/heap.pb.gz").write_bytes(gzip.compress(b"\x00\x01pprof"))
    report = analyze_path(root)
    assert [(i.environment, i.cluster, i.version, i.flavour) for i in report.instances] == [
        ("prod", "eks-1", "2.4.2", "2.x-duckdb")
    ]
    assert any(f.rule_id == "aggregator-ingestion-error" for f in report.findings)
    assert any("not a readable pprof profile" in r for r in _reasons(report))


def test_multicluster_diagnostics_json_gives_one_instance_per_cluster(tmp_path: Path) -> None:
    check = {
        "diagnosticPassed": False,
        "numFailures": 3,
        "firstFailureDate": "2024-05-01",
        "diagnosticOutput": "x",
    }
    ok = {"diagnosticPassed": True, "numFailures": 0}
    doc = {
        "code": 200,
        "data": {
            "clusters": [
                {
                    "clusterId": "a",
                    "kubecostVersion": "prod-2.6.0",
                    "kubecostPodsNotPending": check,
                },
                {"clusterId": "b", "kubecostVersion": "prod-2.6.0", "kubecostPodsNotPending": ok},
            ]
        },
    }
    path = tmp_path / "mcd.json"
    path.write_text(json.dumps(doc))
    report = analyze_path(path)
    assert [(i.cluster, i.version) for i in report.instances] == [("a", "2.6.0"), ("b", "2.6.0")]
    pending = [f for f in report.findings if f.rule_id == "diagnostics-pods-pending"]
    assert [f.instance for f in pending] == [0]


def test_troubleshoot_style_links_in_tarball_are_not_followed(tmp_path: Path) -> None:
    path = tmp_path / "sb.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        data = console_log("cost-model", FAIL).encode()
        info = tarfile.TarInfo(
            "sb/cluster-resources/pods/logs/kubecost/kubecost-cost-analyzer-1/cost-model.log"
        )
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("sb/all-logs/kubecost-cost-analyzer-1/cost-model.log")
        link.type = tarfile.SYMTYPE
        link.linkname = "../../cluster-resources/pods/logs/kubecost/x/cost-model.log"
        archive.addfile(link)
    report = analyze_path(path)
    assert [f.count for f in report.findings if f.rule_id == "prometheus-query-failed"] == [1]


def test_foreign_namespaces_in_an_imported_bundle_are_ignored(tmp_path: Path) -> None:
    root = tmp_path / "engage-bundle-import"
    for ns, pod, container in (
        ("kube-system", "traefik-7cd4", "traefik"),
        ("kubecost", "prometheus-server-6f8d", "prometheus-server"),
        ("kubecost", "kubecost-cost-analyzer-1", "cost-model"),
    ):
        folder = root / f"environments/imported/c1/{ns}/cluster-resources/pods/logs/{ns}/{pod}"
        folder.mkdir(parents=True, exist_ok=True)
        line = "panic: runtime error: index out of range" if container != "cost-model" else "INF ok"
        (folder / f"{container}.log").write_text(console_log("cost-model", line))
    report = analyze_path(root)
    panics = [
        (report.instances[f.instance].namespace, f.count)
        for f in report.findings
        if f.rule_id == "process-panic"
    ]
    # the Kubecost namespace counts its bundled Prometheus; kube-system is not Kubecost's
    assert panics == [("kubecost", 1)]
