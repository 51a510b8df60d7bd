"""`engage versions check|update|list`: Kubecost version currency against the release policy."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from engage.cli.errors import fail
from engage.diagnostics.release_feeds import (
    DEFAULT_GITHUB_RELEASES,
    DEFAULT_HELM_INDEXES,
    refresh_catalogue,
)
from engage.diagnostics.versions import (
    CatalogueError,
    ReleaseCatalogue,
    VersionError,
    save_catalogue,
)

versions_app = typer.Typer(
    help="Kubecost version currency: releases, support policy, upgrade paths.", no_args_is_help=True
)
_STYLE = {"current": "green", "behind": "yellow", "unsupported": "bold red"}

#: `engage versions check` exit codes, for scripts (also printed by its --help).
EXIT_SUPPORTED, EXIT_BAD_INPUT, EXIT_UNSUPPORTED = 0, 1, 3
#: A catalogue older than this many days is called out: newer releases may be missing.
STALE_AFTER_DAYS = 30


def catalogue_age(catalogue: ReleaseCatalogue, today: date | None = None) -> tuple[str, int | None]:
    """When the catalogue was last refreshed (ISO date or `unknown`) and how many days ago."""
    if not catalogue.updated:
        return "unknown", None
    try:
        updated = date.fromisoformat(str(catalogue.updated)[:10])
    except ValueError:
        return str(catalogue.updated), None
    return updated.isoformat(), ((today or date.today()) - updated).days


def _age_line(updated: str, days: int | None) -> str:
    if days is None:
        return f"Release catalogue: updated {updated}."
    line = f"Release catalogue: updated {updated} ({days} day{'' if days == 1 else 's'} ago)."
    if days > STALE_AFTER_DAYS:
        line += " Run `engage versions update` for newer releases."
    return line


@versions_app.command("check")
def check_command(
    version: str = typer.Argument(..., help="e.g. 2.3.1, prod-2.4.2, v3.0.1"),
    as_json: bool = typer.Option(False, "--json", help="Print the verdict as JSON."),
    catalogue: Path | None = typer.Option(None, "--catalogue", help="Use this catalogue file."),
) -> None:
    """Say whether VERSION is current, supported but behind, or unsupported (upgrade first).

    Exit codes: 0 = supported (current or behind), 3 = unsupported, 1 = bad version or catalogue.
    """
    try:
        loaded = ReleaseCatalogue.load(catalogue)
        verdict = loaded.check(version)
    except (VersionError, CatalogueError) as exc:
        fail(str(exc), EXIT_BAD_INPUT)
    updated, age = catalogue_age(loaded)
    code = EXIT_UNSUPPORTED if verdict.verdict == "unsupported" else EXIT_SUPPORTED
    if as_json:
        data = {**verdict.to_dict(), "catalogue_updated": updated, "catalogue_age_days": age}
        typer.echo(json.dumps(data, indent=2))
        raise typer.Exit(code)
    console = Console(highlight=False)
    label = {
        "current": "current",
        "behind": "supported but behind",
        "unsupported": "unsupported, upgrade first",
    }[verdict.verdict]
    console.print(
        f"Kubecost {verdict.version}: [{_STYLE[verdict.verdict]}]{label}[/] "
        f"(latest {verdict.latest})"
    )
    if verdict.upgrade_path:
        console.print("Upgrade path: " + " -> ".join([verdict.version, *verdict.upgrade_path]))
    for note in verdict.notes:
        console.print(f"  - {note}")
    console.print(_age_line(updated, age), style="dim")
    raise typer.Exit(code)


@versions_app.command("update")
def update_command(
    helm_index: list[str] = typer.Option(
        list(DEFAULT_HELM_INDEXES),
        "--helm-index",
        help="Helm repository index.yaml URL (repeatable).",
    ),
    github: bool = typer.Option(False, "--github", help="Also read GitHub releases."),
    github_url: str = typer.Option(DEFAULT_GITHUB_RELEASES, "--github-url"),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Where to write (default: user data folder)."
    ),
) -> None:
    """Refresh the release catalogue from the Helm repo index (and GitHub releases)."""
    try:
        before = ReleaseCatalogue.load(output)
        catalogue = refresh_catalogue(
            helm_indexes=helm_index, github_url=github_url if github else None, base=before
        )
        target = save_catalogue(catalogue, output)
    except CatalogueError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write catalogue: {exc.strerror or exc}")
    added = len(catalogue.releases) - len(before.releases)
    typer.echo(
        f"{len(catalogue.releases)} releases ({added} new), latest "
        f"{catalogue.latest().version}; written to {target}"
    )


@versions_app.command("list")
def list_command(
    catalogue: Path | None = typer.Option(None, "--catalogue", help="Use this catalogue file."),
) -> None:
    """List the production releases in the catalogue, newest first."""
    try:
        loaded = ReleaseCatalogue.load(catalogue)
    except CatalogueError as exc:
        fail(str(exc))
    supported = set(loaded.supported_lines())
    table = Table("version", "date", "supported")
    for release in reversed(loaded.stable()):
        line = (release.parsed.major, release.parsed.minor)
        table.add_row(release.version, release.date or "?", "yes" if line in supported else "")
    Console().print(table)


def register(app: typer.Typer) -> None:
    """Add `engage versions ...` to the root app."""
    app.add_typer(versions_app, name="versions")
