"""Kubecost version currency: a release catalogue, version detection and the support policy.

The catalogue is a data file shipped in the package (``data/kubecost-releases.yaml``), refreshed
into the user's data folder by ``engage versions update`` (``release_feeds`` fetches it). Which
release is the latest is always computed from the catalogue, never written in code.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from packaging.version import InvalidVersion, Version

Verdict = Literal["current", "behind", "unsupported"]


_SEMVER = r"v?(\d+\.\d+\.\d+(?:-(?:rc|beta|alpha)\.?\d+)?)"
# Kubecost images and chart labels: prod-2.4.2, icr.io/kubecost/cost-model:2.9.7,
# gcr.io/kubecost1/cost-model:prod-2.4.2, helm.sh/chart=cost-analyzer-2.4.2 / kubecost-3.0.1.
_IMAGE_RE = re.compile(
    r"(?:kubecost[\w.-]*|opencost)/(?:[\w.-]+/)*[\w.-]+:(?:prod-)?" + _SEMVER + r"(?![\w.])"
)
_CHART_RE = re.compile(r"^(?:cost-analyzer|kubecost)-" + _SEMVER + r"$")
_LOG_RE = re.compile(r"Starting cost-model \(git commit \\?\"?" + _SEMVER)
_BARE_RE = re.compile(r"^(?:prod-)?" + _SEMVER + r"$")


class VersionError(ValueError):
    """A version string that is not a Kubecost release version."""


class CatalogueError(RuntimeError):
    """The release catalogue is missing, malformed or could not be refreshed."""


@dataclass(frozen=True)
class DetectedVersion:
    """A Kubecost version found in some input, with where it came from."""

    version: str
    source: str  # image | installInfo | chart-label | log | tag


@dataclass(frozen=True)
class Release:
    """One Kubecost release in the catalogue."""

    version: str
    date: str | None = None

    @property
    def parsed(self) -> Version:
        """The version as a comparable object."""
        return Version(self.version)


@dataclass(frozen=True)
class VersionVerdict:
    """The policy verdict for one running version."""

    version: str
    verdict: Verdict
    latest: str
    upgrade_path: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape printed by `engage versions check --json`."""
        return {
            "version": self.version,
            "verdict": self.verdict,
            "latest": self.latest,
            "upgrade_path": list(self.upgrade_path),
            "notes": list(self.notes),
        }


def parse_version(text: str) -> Version:
    """Parse `2.3.1`, `v2.3.1`, `prod-2.3.1` or `3.0.0-rc.5` into a Version."""
    match = _BARE_RE.match(text.strip())
    if not match:
        raise VersionError(f"not a Kubecost version: {text!r}")
    try:
        return Version(match.group(1))
    except InvalidVersion as exc:  # pragma: no cover - the regex admits only valid forms
        raise VersionError(f"not a Kubecost version: {text!r}") from exc


def normalise_version(text: str) -> str:
    """`prod-2.3.1` -> `2.3.1`; keeps an `-rc.N` suffix as written."""
    match = _BARE_RE.match(text.strip())
    if not match:
        raise VersionError(f"not a Kubecost version: {text!r}")
    return match.group(1)


def detect_version(source: str | Mapping[str, Any]) -> DetectedVersion | None:
    """Find the Kubecost version in an image, a chart label, installInfo JSON or a log line."""
    if isinstance(source, Mapping):
        return _from_mapping(source)
    text = source.strip()
    for regex, kind in ((_CHART_RE, "chart-label"), (_BARE_RE, "tag")):
        match = regex.match(text)
        if match:
            return DetectedVersion(match.group(1), kind)
    for regex, kind in ((_LOG_RE, "log"), (_IMAGE_RE, "image")):
        match = regex.search(text)
        if match:
            return DetectedVersion(match.group(1), kind)
    return None


def _from_mapping(obj: Mapping[str, Any]) -> DetectedVersion | None:
    data = obj.get("data") if isinstance(obj.get("data"), Mapping) else obj
    assert isinstance(data, Mapping)
    for key in ("version", "chartVersion", "kubecostVersion"):
        value = data.get(key)
        if isinstance(value, str):
            found = detect_version(value)
            if found:
                return DetectedVersion(found.version, "installInfo")
    containers = data.get("containers")
    if isinstance(containers, list):
        for container in containers:
            image = container.get("image") if isinstance(container, Mapping) else None
            found = detect_version(image) if isinstance(image, str) else None
            if found:
                return DetectedVersion(found.version, "installInfo")
    return None


def user_catalogue_path() -> Path:
    """Where `engage versions update` writes the refreshed catalogue."""
    override = os.environ.get("ENGAGE_RELEASES_FILE")
    if override:
        return Path(override)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "engage" / "kubecost-releases.yaml"


@dataclass
class ReleaseCatalogue:
    """Kubecost releases with dates, upgrade gates and notable changes, plus the policy."""

    releases: list[Release]
    notes: dict[str, str] = field(default_factory=dict)
    gates: list[dict[str, Any]] = field(default_factory=list)
    supported_minor_lines: int = 2
    updated: str | None = None
    source: str | None = None

    @classmethod
    def packaged(cls) -> ReleaseCatalogue:
        """The catalogue shipped inside the package."""
        text = (
            resources.files("engage.diagnostics")
            .joinpath("data/kubecost-releases.yaml")
            .read_text(encoding="utf-8")
        )
        return cls.from_dict(yaml.safe_load(text))

    @classmethod
    def load(cls, path: Path | None = None) -> ReleaseCatalogue:
        """The packaged catalogue merged with the refreshed one (if any, or `path`)."""
        catalogue = cls.packaged()
        extra = path or user_catalogue_path()
        if extra.is_file():
            try:
                catalogue = catalogue.merged(cls.from_dict(yaml.safe_load(extra.read_text())))
            except (yaml.YAMLError, CatalogueError) as exc:
                if path is not None:
                    raise CatalogueError(f"{extra}: {exc}") from exc
        return catalogue

    @classmethod
    def from_dict(cls, data: Any) -> ReleaseCatalogue:
        """Build from the YAML structure of the data file."""
        if not isinstance(data, Mapping) or not isinstance(data.get("releases"), list):
            raise CatalogueError("catalogue has no 'releases' list")
        releases = []
        for item in data["releases"]:
            try:
                releases.append(
                    Release(
                        normalise_version(str(item["version"])),
                        str(item["date"]) if item.get("date") else None,
                    )
                )
            except (KeyError, TypeError, VersionError):
                continue
        policy = data.get("policy") or {}
        return cls(
            releases=releases,
            notes={str(k): str(v) for k, v in (data.get("notes") or {}).items()},
            gates=list(data.get("gates") or []),
            supported_minor_lines=int(policy.get("supported_minor_lines", 2)),
            updated=data.get("updated"),
            source=data.get("source"),
        )

    def to_dict(self) -> dict[str, Any]:
        """The YAML structure of the data file."""
        return {
            "schema": 1,
            "updated": self.updated,
            "source": self.source,
            "policy": {"supported_minor_lines": self.supported_minor_lines},
            "gates": self.gates,
            "notes": self.notes,
            "releases": [
                {"version": r.version, "date": r.date}
                for r in sorted(self.releases, key=lambda r: r.parsed)
            ],
        }

    def merged(self, other: ReleaseCatalogue) -> ReleaseCatalogue:
        """A catalogue with the releases of both (dates from `other` win)."""
        by_version = {r.version: r for r in self.releases}
        for release in other.releases:
            old = by_version.get(release.version)
            by_version[release.version] = Release(
                release.version, release.date or (old.date if old else None)
            )
        return ReleaseCatalogue(
            releases=list(by_version.values()),
            notes={**self.notes, **other.notes},
            gates=other.gates or self.gates,
            supported_minor_lines=other.supported_minor_lines,
            updated=other.updated or self.updated,
            source=other.source or self.source,
        )

    def stable(self) -> list[Release]:
        """Production releases (no release candidates), oldest first."""
        return sorted(
            (r for r in self.releases if not r.parsed.is_prerelease), key=lambda r: r.parsed
        )

    def latest(self) -> Release:
        """The newest production release in the catalogue."""
        stable = self.stable()
        if not stable:
            raise CatalogueError("catalogue has no production releases")
        return stable[-1]

    def latest_in_line(self, major: int, minor: int) -> Release | None:
        """The newest production release of one minor line."""
        line = [r for r in self.stable() if r.parsed.release[:2] == (major, minor)]
        return line[-1] if line else None

    def supported_lines(self) -> list[tuple[int, int]]:
        """The minor lines the policy supports: the current one plus the prior ones."""
        lines = sorted({(r.parsed.major, r.parsed.minor) for r in self.stable()}, reverse=True)
        return lines[: self.supported_minor_lines]

    def check(self, version: str) -> VersionVerdict:
        """Apply the policy to a running version: current, behind or unsupported."""
        running = parse_version(version)
        latest = self.latest()
        if running >= latest.parsed:
            verdict: Verdict = "current"
        elif (running.major, running.minor) in self.supported_lines():
            verdict = "behind"
        else:
            verdict = "unsupported"
        notes = self._notes_between(running, latest.parsed)
        if running > latest.parsed:
            notes.insert(
                0,
                f"{normalise_version(version)} is newer than the newest release in "
                f"the catalogue ({latest.version}); run `engage versions update`.",
            )
        return VersionVerdict(
            str(normalise_version(version)),
            verdict,
            latest.version,
            self.upgrade_path(running),
            notes,
        )

    def upgrade_path(self, running: Version) -> list[str]:
        """The releases to upgrade through, ending at the latest (empty when current)."""
        latest = self.latest()
        if running >= latest.parsed:
            return []
        path: list[str] = []
        for gate in sorted(self.gates, key=lambda g: int(g["from_major"])):
            if not gate.get("via"):
                continue
            via = parse_version(str(gate["via"]) + ".0")
            if running.major <= int(gate["from_major"]) < latest.parsed.major:
                stop = self.latest_in_line(via.major, via.minor)
                if stop and stop.parsed > running and stop.version not in path:
                    path.append(stop.version)
        path.append(latest.version)
        return path

    def _notes_between(self, running: Version, latest: Version) -> list[str]:
        notes = [
            text
            for key, text in sorted(self.notes.items(), key=lambda kv: Version(kv[0]))
            if running < Version(key) <= latest
        ]
        gates = [
            " ".join(str(gate["note"]).split())
            for gate in sorted(self.gates, key=lambda g: int(g["from_major"]))
            if running.major <= int(gate["from_major"]) < latest.major and gate.get("note")
        ]
        return gates + notes


def check_version(version: str, catalogue: ReleaseCatalogue | None = None) -> VersionVerdict:
    """The policy verdict for `version` against the (loaded) catalogue."""
    return (catalogue or ReleaseCatalogue.load()).check(version)


def save_catalogue(catalogue: ReleaseCatalogue, path: Path | None = None) -> Path:
    """Write the catalogue as YAML (to the user data folder by default)."""
    target = path or user_catalogue_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(yaml.safe_dump(catalogue.to_dict(), sort_keys=False), encoding="utf-8")
    tmp.replace(target)
    return target
