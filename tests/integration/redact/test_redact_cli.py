"""The `engage redact` command as a subprocess: outputs, report, map, verify, errors."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engage.cli.app import app
from engage.diagnostics.redact import Finding


def _engage(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engage", "redact", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _input(tmp_path: Path) -> Path:
    src = tmp_path / "in"
    (src / "logs").mkdir(parents=True)
    (src / "logs" / "a.log").write_text("ok\nAuthorization: Bearer abc.def-1234567890xyz\n")
    (src / "logs" / "b.log").write_text("password=Hunter2-x9 from 10.1.2.3\n")
    return src


def test_folder_report_map_verify(tmp_path: Path) -> None:
    src = _input(tmp_path)
    out, report, mapping = tmp_path / "out", tmp_path / "r.json", tmp_path / "m.json"
    run = _engage(
        str(src),
        "-o",
        str(out),
        "--report",
        str(report),
        "--map",
        str(mapping),
        "--pseudonymize",
        "ips",
        "--verify",
    )
    assert run.returncode == 0, run.stderr
    assert "verify: no rule fires" in run.stderr
    text = (out / "logs" / "b.log").read_text()
    assert "Hunter2-x9" not in text and "10.1.2.3" not in text
    data = json.loads(report.read_text())
    assert data["counts_by_rule"]["password"] == 1 and data["counts_by_rule"]["ip"] == 1
    assert "Hunter2-x9" not in report.read_text()
    assert "Hunter2-x9" in json.loads(mapping.read_text()).values()
    assert mapping.stat().st_mode & 0o077 == 0
    assert "Hunter2-x9" not in "".join(p.read_text() for p in out.rglob("*.log"))


def test_tarball_round_trip_keeps_names(tmp_path: Path) -> None:
    src = _input(tmp_path)
    bundle = tmp_path / "bundle.tgz"
    with tarfile.open(bundle, "w:gz") as tar:
        tar.add(src, arcname="bundle")
    run = _engage(str(bundle), "-o", str(tmp_path / "clean.tgz"), "-q")
    assert run.returncode == 0, run.stderr
    with tarfile.open(tmp_path / "clean.tgz") as tar:
        names = sorted(m.name for m in tar.getmembers())
        data = tar.extractfile("bundle/logs/b.log").read()  # type: ignore[union-attr]
    assert names == ["bundle", "bundle/logs", "bundle/logs/a.log", "bundle/logs/b.log"]
    assert b"Hunter2-x9" not in data


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing-input", "-o", "x"], "does not exist"),
        (["{src}", "-o", "{src}/inside"], "inside the input"),
        (["{src}", "-o", "{tmp}/o", "--pseudonymize", "phones"], "--pseudonymize"),
        (["{src}", "-o", "{tmp}/o", "--rules", "{tmp}/nope.yaml"], "cannot read rules file"),
    ],
)
def test_bad_input_one_line_error(tmp_path: Path, args: list[str], message: str) -> None:
    src = _input(tmp_path)
    run = _engage(*[a.format(src=src, tmp=tmp_path) for a in args])
    assert run.returncode != 0
    assert message in run.stderr
    assert "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_existing_output_needs_force(tmp_path: Path) -> None:
    src = _input(tmp_path)
    (tmp_path / "out").mkdir()
    assert "already exists" in _engage(str(src), "-o", str(tmp_path / "out")).stderr
    assert _engage(str(src), "-o", str(tmp_path / "out"), "--force", "-q").returncode == 0
    assert (tmp_path / "out" / "logs" / "b.log").exists()


def test_custom_rules_file(tmp_path: Path) -> None:
    src = _input(tmp_path)
    (src / "logs" / "c.log").write_text("customer ACME-4711 called\n")
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - {name: customer-id, regex: 'ACME-(?P<secret>[0-9]+)'}\n")
    run = _engage(str(src), "-o", str(tmp_path / "out"), "--rules", str(rules), "-q")
    assert run.returncode == 0, run.stderr
    assert "4711" not in (tmp_path / "out" / "logs" / "c.log").read_text()


def test_verify_failure_exits_3_and_names_file_and_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a rule that fires on the output stands in for a redaction gap
    src = _input(tmp_path)
    monkeypatch.setattr(
        "engage.cli.redact.verify_path", lambda path, rules: [Finding("logs/b.log", "password", 1)]
    )
    result = CliRunner().invoke(app, ["redact", str(src), "-o", str(tmp_path / "o"), "--verify"])
    assert result.exit_code == 3
    assert "logs/b.log: rule password fires" in result.output
    assert "Hunter2" not in result.output


def test_network_identities_workers_and_domains(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "node.yaml").write_text(
        "spec:\n  nodeName: worker-7.acme.corp\n  hostIP: 10.0.3.4\n"
        "  mac: b4:96:91:70:19:98\n  image: quay.io/openshift/origin-cli:4.8\n"
    )
    (src / "kubelet.log").write_text("Node ip-10-0-3-4 ready on worker-7.acme.corp\n")
    out, report, mapping = tmp_path / "out", tmp_path / "r.json", tmp_path / "m.json"
    run = _engage(
        str(src), "-o", str(out), "-q", "--workers", "2", "--pseudonymize", "all",
        "--domains", "acme.corp", "--report", str(report), "--map", str(mapping),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    text = (out / "node.yaml").read_text() + (out / "kubelet.log").read_text()
    for gone in ("acme.corp", "10.0.3.4", "10-0-3-4", "b4:96:91"):
        assert gone not in text
    assert "quay.io/openshift/origin-cli:4.8" in text
    counts = json.loads(report.read_text())["counts_by_rule"]
    assert {"ip", "mac"} <= set(counts)
    assert "10.0.3.4" in json.loads(mapping.read_text()).values()


def test_many_files_with_one_note_are_counted_not_listed(tmp_path: Path) -> None:
    """A must-gather has ~1,500 empty logs: they are counted, and a note shared by many files
    names a few of them and counts the rest (the report lists every one)."""
    src = _input(tmp_path)
    for i in range(12):
        (src / "logs" / f"previous-{i}.log").write_bytes(b"")
        (src / "logs" / f"archive-{i}.zip").write_bytes(b"PK\x03\x04" + bytes(40))
    out, report = tmp_path / "out", tmp_path / "r.json"
    run = _engage(str(src), "-o", str(out), "--report", str(report))
    assert run.returncode == 0, run.stderr
    assert "12 empty file(s) copied as they are" in run.stderr
    assert "previous-3.log" not in run.stderr
    zip_lines = [line for line in run.stderr.splitlines() if "archive-" in line]
    assert len(zip_lines) == 5, run.stderr
    assert "7 more file(s)" in run.stderr
    data = json.loads(report.read_text())
    assert len(data["empty_files"]) == 12 and len(data["problems"]) == 12
    assert (out / "logs" / "previous-3.log").read_bytes() == b""
