"""The real CLI as a subprocess: formats, exit codes, sharing, and `versions update` over HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from tests.support.static_server import serve_files

BAD = "2024-05-14T09:00:00Z ERR Prometheus communication error: nil queryResult\n"
BENIGN = (
    "2024-05-14T09:00:00Z ERR boundary error: requested [2024-01-01T00:00:00+0000, "
    "2024-01-02T00:00:00+0000); supported [2024-02-01T00:00:00+0000, "
    "2024-02-02T00:00:00+0000)\n"
)


def _engage(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ENGAGE_RELEASES_FILE": str(home / "releases.yaml"), "COLUMNS": "120"}
    return subprocess.run(
        [sys.executable, "-m", "engage", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_json_output_and_exit_code_3(tmp_path: Path) -> None:
    log = tmp_path / "cost-model.log"
    log.write_text(BAD * 3)
    result = _engage("analyze", str(log), "--format", "json", home=tmp_path)
    assert result.returncode == 3, result.stderr
    data = json.loads(result.stdout)
    assert data["summary"]["error"] == 1 and data["findings"][0]["count"] == 3


def test_benign_only_exits_0_and_min_severity_hides_info(tmp_path: Path) -> None:
    log = tmp_path / "cost-model.log"
    log.write_text(BENIGN)
    result = _engage("analyze", str(log), "-f", "json", "--min-severity", "warning", home=tmp_path)
    assert result.returncode == 0 and json.loads(result.stdout)["findings"] == []


@pytest.mark.parametrize(
    "args", [["--format", "xml"], ["--min-severity", "loud"], ["--share", "everything"]]
)
def test_usage_errors_exit_1_with_one_line(tmp_path: Path, args: list[str]) -> None:
    log = tmp_path / "a.log"
    log.write_text(BAD)
    result = _engage("analyze", str(log), *args, home=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("engage: error:") and "Traceback" not in result.stderr


def test_missing_input_exits_1(tmp_path: Path) -> None:
    result = _engage("analyze", str(tmp_path / "missing.tar.gz"), home=tmp_path)
    assert result.returncode == 1 and "no such file" in result.stderr


def test_html_and_text_to_file(tmp_path: Path) -> None:
    log = tmp_path / "cost-model.log"
    log.write_text(BAD)
    html = tmp_path / "report.html"
    assert (
        _engage("analyze", str(log), "-f", "html", "-o", str(html), home=tmp_path).returncode == 3
    )
    assert "Prometheus queries fail" in html.read_text()
    text = tmp_path / "report.txt"
    _engage("analyze", str(log), "-o", str(text), home=tmp_path)
    assert "prometheus-query-failed" in text.read_text()


def test_share_findings_redacts(tmp_path: Path) -> None:
    log = tmp_path / "cloud-cost.log"
    log.write_text("2024-05-14T09:00:00Z ERR QueryAthenaPaginated: bad key AKIAIOSFODNN7EXAMPLE\n")
    result = _engage("analyze", str(log), "-f", "json", "--share", "findings", home=tmp_path)
    assert "AKIAIOSFODNN7EXAMPLE" not in result.stdout
    assert json.loads(result.stdout)["findings"][0]["rule_id"] == "aws-athena-query-failed"


def test_versions_check_json(tmp_path: Path) -> None:
    result = _engage("versions", "check", "prod-2.4.2", "--json", home=tmp_path)
    data = json.loads(result.stdout)
    assert result.returncode == 3  # unsupported: scripts can stop on it
    assert data["version"] == "2.4.2" and data["verdict"] == "unsupported"
    assert data["upgrade_path"][0].startswith("2.9.") and set(data) == {
        "version",
        "verdict",
        "latest",
        "upgrade_path",
        "notes",
        "catalogue_updated",
        "catalogue_age_days",
    }
    assert isinstance(data["catalogue_age_days"], int) and data["catalogue_age_days"] >= 0
    assert _engage("versions", "check", "banana", home=tmp_path).returncode == 1


@pytest.fixture
def helm_repo() -> Iterator[str]:
    """A loopback Helm repository serving an index.yaml with a newer 3.x release."""
    index = yaml.safe_dump(
        {
            "apiVersion": "v1",
            "entries": {
                "kubecost": [
                    {"version": "3.9.0", "created": "2027-01-02T03:04:05Z", "appVersion": "3.9.0"}
                ]
            },
        }
    )

    with serve_files({"/index.yaml": (index.encode(), "application/yaml")}) as base:
        yield base


def test_versions_update_from_a_helm_index(tmp_path: Path, helm_repo: str) -> None:
    result = _engage("versions", "update", "--helm-index", f"{helm_repo}/index.yaml", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "latest 3.9.0" in result.stdout
    checked = _engage("versions", "check", "3.2.1", "--json", home=tmp_path)
    assert checked.returncode == 0  # behind is still supported
    check = json.loads(checked.stdout)
    # 3.9 is now current and 3.2 the prior production line in the catalogue
    assert check["latest"] == "3.9.0" and check["verdict"] == "behind"
    failed = _engage(
        "versions", "update", "--helm-index", f"{helm_repo}/missing.yaml", home=tmp_path
    )
    assert failed.returncode == 1 and "no releases fetched" in failed.stderr


def test_plain_folder_heading_and_skipped_note_once(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "cost-model.log").write_text(BAD)
    (folder / "kubecost.duckdb").write_bytes(b"\x00" * 64)
    result = _engage("analyze", str(folder), home=tmp_path)
    assert result.returncode == 3, result.stderr
    combined = result.stdout + result.stderr
    assert combined.count("kipped 1 input file(s)") == 1
    assert "default/unknown/unknown" not in result.stdout and "version ?" not in result.stdout
    assert "─ logs ─" in result.stdout.replace("──", "─")


def test_skipped_note_on_stderr_for_json(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "cost-model.log").write_text(BAD)
    (folder / "kubecost.duckdb").write_bytes(b"\x00" * 64)
    result = _engage("analyze", str(folder), "-f", "json", home=tmp_path)
    assert result.stderr.count("skipped 1 input file(s)") == 1
    assert json.loads(result.stdout)["summary"]["error"] >= 1
