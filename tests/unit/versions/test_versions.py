"""Version detection across 2.x/3.x tag forms and the support-policy verdicts."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from engage.diagnostics.release_feeds import releases_from_github, releases_from_helm_index
from engage.diagnostics.versions import (
    ReleaseCatalogue,
    VersionError,
    check_version,
    detect_version,
    save_catalogue,
)


@pytest.fixture
def catalogue() -> ReleaseCatalogue:
    """A small catalogue: 2.8/2.9 and 3.0-3.2 lines."""
    return ReleaseCatalogue.from_dict(
        {
            "policy": {"supported_minor_lines": 2},
            "gates": [{"from_major": 2, "to_major": 3, "via": "2.9", "note": "through 2.9"}],
            "notes": {"2.9.0": "finopsagent on", "3.0.0": "ClickHouse", "3.2.0": "new UI"},
            "releases": [
                {"version": v, "date": "2025-01-01"}
                for v in (
                    "2.8.6",
                    "2.9.5",
                    "2.9.7",
                    "3.0.0",
                    "3.1.0",
                    "3.1.8",
                    "3.2.0",
                    "3.2.1",
                    "3.3.0-rc.2",
                )
            ],
        }
    )


@pytest.mark.parametrize(
    ("source", "version", "kind"),
    [
        ("prod-2.3.1", "2.3.1", "tag"),
        ("v3.0.1", "3.0.1", "tag"),
        ("icr.io/kubecost/cost-model:2.9.7", "2.9.7", "image"),
        ("gcr.io/kubecost1/cost-model:prod-2.4.2", "2.4.2", "image"),
        ("gcr.io/kubecost1/frontend:prod-1.108.1", "1.108.1", "image"),
        ("icr.io/kubecost/cost-model:3.0.0-rc.5", "3.0.0-rc.5", "image"),
        ("cost-analyzer-2.4.2", "2.4.2", "chart-label"),
        ("kubecost-3.2.1", "3.2.1", "chart-label"),
        (
            '2024-05-01T10:00:00Z INF Starting cost-model (git commit "1.91.0-rc.0")',
            "1.91.0-rc.0",
            "log",
        ),
        (
            '{"level":"info","message":"Starting cost-model (git commit \\"2.5.3\\")"}',
            "2.5.3",
            "log",
        ),
    ],
)
def test_detect_version_from_strings(source: str, version: str, kind: str) -> None:
    found = detect_version(source)
    assert found is not None and (found.version, found.source) == (version, kind)


@pytest.mark.parametrize(
    "source",
    [
        "nginx:1.25.3",
        "quay.io/prometheus/prometheus:v3.9.1",
        "latest",
        "gcr.io/kubecost1/cost-model-nightly:latest",
    ],
)
def test_detect_version_ignores_other_images(source: str) -> None:
    assert detect_version(source) is None


def test_detect_version_from_install_info() -> None:
    assert detect_version({"code": 200, "data": {"version": "3.1.2"}}).version == "3.1.2"  # type: ignore[union-attr]
    info = {"containers": [{"image": "gcr.io/kubecost1/cost-model:prod-2.6.0"}]}
    assert detect_version(info).version == "2.6.0"  # type: ignore[union-attr]
    assert detect_version({"chartVersion": "kubecost-3.0.2"}).version == "3.0.2"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("version", "verdict", "path"),
    [
        ("3.2.1", "current", []),
        ("3.3.0-rc.6", "current", []),
        ("3.2.0", "behind", ["3.2.1"]),
        ("3.1.0", "behind", ["3.2.1"]),
        ("3.0.0", "unsupported", ["3.2.1"]),
        ("2.9.7", "unsupported", ["3.2.1"]),
        ("2.8.6", "unsupported", ["2.9.7", "3.2.1"]),
        ("prod-2.4.2", "unsupported", ["2.9.7", "3.2.1"]),
    ],
)
def test_policy_verdicts(
    catalogue: ReleaseCatalogue, version: str, verdict: str, path: list[str]
) -> None:
    result = catalogue.check(version)
    assert (result.verdict, result.upgrade_path, result.latest) == (verdict, path, "3.2.1")


def test_notes_cover_the_releases_in_between(catalogue: ReleaseCatalogue) -> None:
    assert catalogue.check("2.8.6").notes == [
        "through 2.9",
        "finopsagent on",
        "ClickHouse",
        "new UI",
    ]
    assert catalogue.check("3.1.8").notes == ["new UI"]


def test_latest_is_computed_from_data(catalogue: ReleaseCatalogue) -> None:
    newer = catalogue.merged(ReleaseCatalogue.from_dict({"releases": [{"version": "3.3.0"}]}))
    assert newer.latest().version == "3.3.0"
    assert newer.check("3.1.8").verdict == "unsupported"
    assert newer.check("3.2.1").verdict == "behind"


def test_invalid_versions_raise() -> None:
    with pytest.raises(VersionError):
        check_version("not-a-version")


def test_packaged_catalogue_is_consistent() -> None:
    packaged = ReleaseCatalogue.packaged()
    assert len(packaged.releases) > 50
    assert packaged.check(packaged.latest().version).verdict == "current"
    assert packaged.check("2.0.0").upgrade_path[-1] == packaged.latest().version


def test_helm_index_and_github_parsing() -> None:
    index = {
        "entries": {
            "cost-analyzer": [
                {"version": "2.9.8", "created": "2026-08-01T10:00:00Z"},
                {"version": "garbage"},
            ],
            "kubecost": [{"version": "3.3.0", "created": "2026-09-01T00:00:00.1Z"}],
            "other": [{"version": "9.9.9"}],
        }
    }
    assert [(r.version, r.date) for r in releases_from_helm_index(index)] == [
        ("2.9.8", "2026-08-01"),
        ("3.3.0", "2026-09-01"),
    ]
    items = [
        {"tag_name": "v3.3.1", "published_at": "2026-09-20T00:00:00Z"},
        {"tag_name": "v3.4.0", "draft": True},
    ]
    assert [r.version for r in releases_from_github(items)] == ["3.3.1"]


def test_user_catalogue_wins_and_round_trips(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "releases.yaml"
    monkeypatch.setenv("ENGAGE_RELEASES_FILE", str(target))
    update = ReleaseCatalogue.packaged().merged(
        ReleaseCatalogue.from_dict({"releases": [{"version": "7.0.0", "date": "2030-01-01"}]})
    )
    assert save_catalogue(update) == target
    assert yaml.safe_load(target.read_text())["releases"][-1]["version"] == "7.0.0"
    assert ReleaseCatalogue.load().latest().version == "7.0.0"
