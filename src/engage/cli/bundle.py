"""`engage bundle inspect|import`: read, verify and convert diagnostic bundles."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from engage.cli.errors import fail
from engage.diagnostics.bundle import BundleError, Manifest, read_manifest, verify_bundle
from engage.diagnostics.importers import import_path

bundle_app = typer.Typer(
    help="Inspect, verify and import diagnostic bundles.", no_args_is_help=True
)
_STYLE = {"ok": "green", "partial": "yellow", "failed": "red", "skipped": "dim"}


def _table(manifest: Manifest) -> Table:
    table = Table(
        title=f"case {manifest.case_id or '-'} · {manifest.created_at} · "
        f"{manifest.collected_by.user}@{manifest.collected_by.host}"
    )
    for col in ("environment", "cluster/namespace", "version", "flavour", "collectors"):
        table.add_column(col)
    for env in manifest.environments:
        for inst in env.instances:
            runs = " ".join(f"[{_STYLE[c.status]}]{c.name}:{c.status}[/]" for c in inst.collectors)
            table.add_row(
                env.name,
                f"{inst.cluster}/{inst.namespace}",
                inst.version or "?",
                inst.flavour,
                runs,
            )
        for err in env.errors:
            table.add_row(env.name, "", "", "", f"[red]{err}[/]")
    return table


@bundle_app.command("inspect")
def inspect_command(
    bundle: Path = typer.Argument(..., help="Bundle .tar.gz or extracted folder."),
    as_json: bool = typer.Option(False, "--json", help="Print manifest and problems as JSON."),
) -> None:
    """Print the manifest as a table and verify every checksum (exit 1 on a problem)."""
    if not bundle.exists():
        fail(f"{bundle}: no such file or directory")
    try:
        manifest = read_manifest(bundle)
        problems = verify_bundle(bundle)
    except BundleError as exc:
        fail(str(exc))
    if as_json:
        typer.echo(json.dumps({"manifest": manifest.to_dict(), "problems": problems}, indent=2))
    else:
        console = Console()
        console.print(_table(manifest))
        size = sum(f.size for f in manifest.files)
        console.print(
            f"{len(manifest.files)} files, {size:,} bytes; "
            f"{len(manifest.permissions.missing)} missing permission(s)"
        )
        for missing in manifest.permissions.missing:
            console.print(f"  [yellow]missing permission:[/] {missing}", highlight=False)
        for problem in problems:
            console.print(f"[red]problem:[/] {problem}", highlight=False)
        console.print(
            "[green]checksums verified[/]"
            if not problems
            else f"[red]{len(problems)} problem(s)[/]"
        )
    if problems:
        raise typer.Exit(1)


@bundle_app.command("import")
def import_command(
    source: Path = typer.Argument(
        ..., help="Bug report .txt, troubleshoot .tar.gz or dump folder."
    ),
    output_dir: Path = typer.Option(Path("."), "-o", "--output-dir", help="Where to write."),
) -> None:
    """Turn a Kubecost bug report, troubleshoot bundle or cluster-info dump into a bundle."""
    if not source.exists():
        fail(f"{source}: no such file or directory")
    try:
        typer.echo(str(import_path(source, output_dir)))
    except BundleError as exc:
        fail(str(exc))


def register(app: typer.Typer) -> None:
    """Add the `bundle` command group to the root app."""
    app.add_typer(bundle_app, name="bundle")
