"""Every development signature line is found, with one of its categories, in realistic logs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engage.diagnostics.analyze import AnalysisReport, Severity, analyze_path

from .conftest import ANALYZE_FIXTURES
from .logbuilder import bug_report, bundle_tar, console_log, json_log

ALL = [
    json.loads(line)
    for name in ("signatures.jsonl", "signatures-2.jsonl")
    for line in (ANALYZE_FIXTURES / "corpus" / name).read_text().splitlines()
    if line.strip()
]
SIGNATURES = [s for s in ALL if not s.get("benign")]
BENIGN = [s for s in ALL if s.get("benign")]


def _caught(report: AnalysisReport, sig: dict[str, Any]) -> bool:
    return any(f.category in sig["categories"] for f in report.findings)


def _pod(sig: dict[str, Any]) -> str:
    return f"kubecost-{sig['component']}-7d9f8c6b5-q2w3e/{sig['component']}"


@pytest.mark.parametrize("sig", SIGNATURES, ids=lambda s: s["id"])
def test_signature_in_console_log(sig: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / f"{sig['component']}.log"
    path.write_text(console_log(sig["component"], sig["line"]))
    report = analyze_path(path)
    assert _caught(report, sig), [(f.rule_id, f.category) for f in report.findings]
    finding = next(f for f in report.findings if f.category in sig["categories"])
    assert finding.evidence[0].line is not None and finding.count >= 1


@pytest.mark.parametrize("sig", SIGNATURES, ids=lambda s: s["id"])
def test_signature_in_json_log(sig: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "cost-model.log"
    path.write_text(json_log(sig["line"]))
    assert _caught(analyze_path(path), sig)


def test_all_signatures_in_one_bundle(tmp_path: Path) -> None:
    logs = {}
    for n, sig in enumerate(SIGNATURES):
        logs[_pod(sig) + f"-{n}"] = console_log(sig["component"], sig["line"])
    report = analyze_path(bundle_tar(tmp_path / "b.tar.gz", logs))
    assert [i.cluster for i in report.instances] == ["prod-eu-1"]
    for n, sig in enumerate(SIGNATURES):
        paths = {
            e.path for f in report.findings if f.category in sig["categories"] for e in f.evidence
        }
        counted = [f for f in report.findings if f.category in sig["categories"]]
        assert counted, sig["id"]
        assert any(f"-{n}.log" in p for p in paths) or sum(f.count for f in counted) > 1


def test_all_signatures_in_a_bug_report(tmp_path: Path) -> None:
    sections = {
        _pod(sig).replace("/", ":") + str(n): console_log(sig["component"], sig["line"])
        for n, sig in enumerate(SIGNATURES)
    }
    path = tmp_path / "kubecost-bug-report.txt"
    path.write_text(bug_report(sections))
    report = analyze_path(path)
    for sig in SIGNATURES:
        assert _caught(report, sig), sig["id"]


@pytest.mark.parametrize(
    "sig", [s for s in SIGNATURES if "boundary error" in s["line"]], ids=lambda s: s["id"]
)
def test_benign_boundary_lines_stay_info(sig: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "cost-model.log"
    path.write_text(console_log("cost-model", sig["line"]))
    report = analyze_path(path)
    assert report.findings and all(
        f.severity == Severity.INFO for f in report.findings if f.category == "etl"
    )
    assert report.exit_code == 0 or any(f.category != "etl" for f in report.findings)


@pytest.mark.parametrize("sig", BENIGN, ids=lambda s: s["id"])
def test_benign_lines_raise_nothing(sig: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / f"{sig['component']}.log"
    path.write_text(console_log(sig["component"], sig["line"]))
    loud = [
        f.rule_id
        for f in analyze_path(path).findings
        if f.severity >= Severity.WARNING and f.category != "version"
    ]
    assert loud == []
