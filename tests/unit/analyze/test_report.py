"""Report shape, deduplication, severities, exit codes and the renderers."""

from __future__ import annotations

import io
import re
from pathlib import Path

from rich.console import Console

from engage.diagnostics.analyze import analyze_path, render_html, render_text

from .logbuilder import console_log, stamp

FAIL = "ERR Prometheus communication error: nil queryResult for node {}"


def _log(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "cost-model.log"
    path.write_text("".join(f"{stamp(n)} {line}\n" for n, line in enumerate(lines)))
    return path


def test_json_shape_is_exactly_the_issue_schema(tmp_path: Path) -> None:
    data = analyze_path(_log(tmp_path, [FAIL.format(1)])).to_dict()
    assert set(data) == {"engage_version", "input", "instances", "findings", "summary"}
    assert set(data["instances"][0]) == {
        "environment",
        "cluster",
        "namespace",
        "version",
        "flavour",
    }
    finding = data["findings"][0]
    assert set(finding) == {
        "rule_id",
        "category",
        "severity",
        "title",
        "explanation",
        "remediation",
        "docs",
        "evidence",
        "count",
        "first_seen",
        "last_seen",
    }
    assert set(finding["evidence"][0]) == {"path", "line", "excerpt"}
    assert set(data["summary"]) == {"critical", "error", "warning", "info"}


def test_findings_are_deduplicated_with_count_and_time_range(tmp_path: Path) -> None:
    lines = [FAIL.format(n) if n % 10 == 0 else "INF ok" for n in range(100)]
    report = analyze_path(_log(tmp_path, lines))
    (finding,) = [f for f in report.findings if f.rule_id == "prometheus-query-failed"]
    assert finding.count == 10
    assert finding.first_seen == stamp(0)[:19] + "Z" and finding.last_seen == stamp(90)[:19] + "Z"
    assert 1 <= len(finding.evidence) <= 3
    assert finding.evidence[0].line == 1


def test_exit_code_and_min_severity(tmp_path: Path) -> None:
    path = _log(
        tmp_path,
        [
            FAIL.format(1),
            "ERR ETL: Asset[1d]: boundary error: requested "
            "[2024-01-01T00:00:00+0000, x); supported [y, z)",
        ],
    )
    report = analyze_path(path)
    assert report.exit_code == 3 and report.summary["error"] == 1 and report.summary["info"] == 1
    only_info = tmp_path / "info.log"
    only_info.write_text(
        console_log("cost-model", "ERR boundary error: requested [a, b); supported [c, d)")
    )
    assert analyze_path(only_info).exit_code == 0
    assert analyze_path(path, min_severity="warning").summary["info"] == 0


def test_text_report_mentions_findings(tmp_path: Path) -> None:
    report = analyze_path(_log(tmp_path, [FAIL.format(1)]))
    console = Console(file=io.StringIO(), width=120, record=True)
    render_text(report, console)
    text = console.export_text()
    assert "Prometheus queries fail" in text and "prometheus-query-failed" in text


def test_html_is_self_contained_and_escaped(tmp_path: Path) -> None:
    path = _log(tmp_path, [FAIL.format("<script>alert(1)</script>")])
    html = render_html(analyze_path(path))
    assert html.startswith("<!doctype html>") and "<svg" in html
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert not re.search(r"<(?:script|link|img)[^>]+(?:src|href)=", html)
