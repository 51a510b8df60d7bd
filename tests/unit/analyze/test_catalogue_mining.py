"""The catalogue is regenerated from OpenCost's source by scripts/mine_opencost_messages.py."""

from __future__ import annotations

import subprocess
from pathlib import Path

from scripts.mine_opencost_messages import category_of, mine

GO = """package aws

import "fmt"

func f() error {
	log.Errorf("Athena query failed for bucket %s: %s", b, err)
	log.Infof("Loaded %d pricing rows", n)
	log.Infof("Failed to refresh spot feed %s", err)
	log.DedupedWarningf(5, "no pricing data found for %s", key)
	return fmt.Errorf(`error getting Athena columns: %w`, err)
}
"""


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "opencost"
    (repo / "pkg/cloud/aws").mkdir(parents=True)
    (repo / "pkg/cloud/aws/athena.go").write_text(GO)
    (repo / "pkg/cloud/aws/athena_test.go").write_text(GO.replace("Athena", "Ignored"))
    env = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    for args in (["init", "-q"], ["add", "."], [*env, "commit", "-qm", "x"]):
        subprocess.run(["git", *args], cwd=repo, check=True)
    return repo


def test_mines_log_and_error_templates_by_package(tmp_path: Path) -> None:
    doc = mine(_repo(tmp_path), "HEAD")
    entries = doc["entries"]
    assert isinstance(entries, list)
    texts = {e["template"]: e for e in entries}
    assert set(texts) == {
        "Athena query failed for bucket %s: %s",
        "Failed to refresh spot feed %s",
        "no pricing data found for %s",
        "error getting Athena columns: %w",
    }  # info lines without a failure word and _test.go files are left out
    assert texts["no pricing data found for %s"]["level"] == "warning"
    assert texts["error getting Athena columns: %w"]["level"] == "returned"
    assert {e["category"] for e in entries} == {"cloud-integration"}
    assert "Apache License" in str(doc["licence"]) and len(str(doc["commit"])) == 40


def test_package_categories() -> None:
    assert category_of("pkg/prom", "x") == "prometheus"
    assert category_of("pkg/costmodel", "error querying prometheus") == "prometheus"
    assert category_of("pkg/costmodel", "error building allocation set") == "etl"
    assert category_of("core/pkg/opencost", "Invalid Version Unmarshaling Asset") == "version"
    assert category_of("pkg/storage", "x") == "storage"
    assert category_of("pkg/metrics", "x") is None
