"""`--share findings`: the findings JSON with excerpts redacted and capped."""

from __future__ import annotations

import json
from pathlib import Path

from engage.diagnostics.analyze import analyze_path, share_findings
from engage.diagnostics.analyze.share import SHARE_EXCERPT

from .logbuilder import console_log

SECRET = "AKIAIOSFODNN7EXAMPLE"
LINE = (
    f"ERR QueryAthenaPaginated: start query error: key {SECRET} from 10.20.30.40 for "
    "ops@example.com " + "padding " * 60
)


def test_shared_findings_hide_secrets_and_cap_excerpts(tmp_path: Path) -> None:
    path = tmp_path / "cloud-cost.log"
    path.write_text(console_log("cloud-cost", LINE))
    report = analyze_path(path)
    assert SECRET in json.dumps(report.to_dict())
    shared = share_findings(report)
    text = json.dumps(shared)
    assert SECRET not in text and "10.20.30.40" not in text and "ops@example.com" not in text
    assert set(shared) == set(report.to_dict())
    excerpts = [e["excerpt"] for f in shared["findings"] for e in f["evidence"]]
    assert excerpts and all(len(e) <= SHARE_EXCERPT for e in excerpts)
    assert [f["rule_id"] for f in shared["findings"]] == [f.rule_id for f in report.findings]


def test_analyze_path_share_option_returns_the_redacted_report(tmp_path: Path) -> None:
    path = tmp_path / "cloud-cost.log"
    path.write_text(console_log("cloud-cost", LINE))
    shared = analyze_path(path, share="findings")
    assert SECRET not in json.dumps(shared.to_dict()) and shared.skipped == []
