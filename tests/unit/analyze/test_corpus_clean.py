"""Real clean logs from the corpus give no error-level findings."""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

import pytest

from engage.diagnostics.analyze import Severity, analyze_path

from .conftest import ANALYZE_FIXTURES

CORPUS = ANALYZE_FIXTURES / "corpus"
K8S_LOGS = ANALYZE_FIXTURES.parent / "shared" / "k8s-logs"
MUST_GATHER = CORPUS / "must-gather-metal.tar.xz"


def _errors(path: Path) -> list[str]:
    report = analyze_path(path)
    return [f.rule_id for f in report.findings if f.severity >= Severity.ERROR]


@pytest.mark.parametrize(
    "name",
    ["troubleshoot_testdata_support-bundle.tar.gz", "troubleshoot_testdata_missing-version.tar.gz"],
)
def test_troubleshoot_bundles_have_no_errors(name: str) -> None:
    assert _errors(K8S_LOGS / name) == []


def test_troubleshoot_bundle_extracted_has_no_errors(tmp_path: Path) -> None:
    with tarfile.open(K8S_LOGS / "troubleshoot_testdata_support-bundle.tar.gz") as archive:
        archive.extractall(tmp_path, filter="data")
    report = analyze_path(tmp_path)
    assert [f for f in report.findings if f.severity >= Severity.ERROR] == []
    assert report.files_scanned > 10


def test_fluentbit_docker_json_logs_have_no_errors(tmp_path: Path) -> None:
    for log in K8S_LOGS.glob("fluentbit_*.log"):
        shutil.copy(log, tmp_path / log.name)
        assert _errors(log) == []
    assert _errors(tmp_path) == []


@pytest.mark.slow
def test_openshift_must_gather_has_no_errors(tmp_path: Path) -> None:
    with tarfile.open(MUST_GATHER) as archive:
        archive.extractall(tmp_path, filter="data")
    assert _errors(tmp_path) == []
