"""Where Kubecost releases are announced: Helm repository indexes and GitHub releases.

``engage versions update`` fetches them here and merges them into the release catalogue
(``versions.ReleaseCatalogue``); nothing else in engage goes online for versions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import yaml

from engage.diagnostics.versions import (
    CatalogueError,
    Release,
    ReleaseCatalogue,
    VersionError,
    normalise_version,
)

DEFAULT_HELM_INDEXES: tuple[str, ...] = (
    "https://kubecost.github.io/cost-analyzer/index.yaml",
    "https://kubecost.github.io/kubecost/index.yaml",
)
DEFAULT_GITHUB_RELEASES = "https://api.github.com/repos/kubecost/kubecost/releases?per_page=100"
_HELM_CHARTS = ("cost-analyzer", "kubecost")
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # C speed when built with it


def releases_from_helm_index(index: Mapping[str, Any]) -> list[Release]:
    """Kubecost releases listed in a Helm repository `index.yaml`."""
    found: list[Release] = []
    entries = index.get("entries") or {}
    for chart in _HELM_CHARTS:
        for entry in entries.get(chart) or []:
            try:
                version = normalise_version(str(entry.get("version", "")))
            except VersionError:
                continue
            created = str(entry.get("created") or "")[:10] or None
            found.append(Release(version, created))
    return found


def releases_from_github(items: Iterable[Mapping[str, Any]]) -> list[Release]:
    """Kubecost releases from the GitHub releases API (drafts skipped)."""
    found: list[Release] = []
    for item in items:
        if item.get("draft"):
            continue
        try:
            version = normalise_version(str(item.get("tag_name", "")))
        except VersionError:
            continue
        found.append(Release(version, str(item.get("published_at") or "")[:10] or None))
    return found


def refresh_catalogue(
    *,
    helm_indexes: Iterable[str] = DEFAULT_HELM_INDEXES,
    github_url: str | None = None,
    timeout: float = 30.0,
    base: ReleaseCatalogue | None = None,
) -> ReleaseCatalogue:
    """Fetch releases from Helm repo indexes (and GitHub releases) and merge them in."""
    import httpx  # only needed when online

    fetched: list[Release] = []
    errors: list[str] = []
    with httpx.Client(timeout=timeout, follow_redirects=True) as client:
        for url in helm_indexes:
            try:
                response = client.get(url)
                response.raise_for_status()
                fetched += releases_from_helm_index(yaml.load(response.text, Loader=_Loader))
            except (httpx.HTTPError, yaml.YAMLError, AttributeError) as exc:
                errors.append(f"{url}: {exc}")
        if github_url:
            try:
                response = client.get(github_url, headers={"Accept": "application/vnd.github+json"})
                response.raise_for_status()
                fetched += releases_from_github(response.json())
            except (httpx.HTTPError, ValueError) as exc:
                errors.append(f"{github_url}: {exc}")
    if not fetched:
        raise CatalogueError("no releases fetched: " + "; ".join(errors or ["no sources"]))
    update = ReleaseCatalogue(
        releases=fetched, updated=date.today().isoformat(), source="helm index / github releases"
    )
    return (base or ReleaseCatalogue.load()).merged(update)
