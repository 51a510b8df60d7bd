"""`engage scope-check FILE [--json]`: does a case text hold one issue or several?"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from engage.domain.scope import ScopeResult, check_scope

MAX_BYTES = 1_000_000  # a case text, not a log bundle


class CaseFileError(ValueError):
    """The case file cannot be read as title, blank line, description."""


def read_case_file(path: Path) -> tuple[str, str]:
    """Title and description from a file: title line, blank line, then the description."""
    if not path.exists():
        raise CaseFileError(f"{path}: no such file")
    if not path.is_file():
        raise CaseFileError(f"{path}: not a regular file")
    data = path.read_bytes()
    if len(data) > MAX_BYTES:
        raise CaseFileError(f"{path}: {len(data)} bytes is over the {MAX_BYTES} byte limit")
    if b"\x00" in data:
        raise CaseFileError(f"{path}: binary file, expected UTF-8 text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CaseFileError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
    if not text.strip():
        raise CaseFileError(
            f"{path}: empty file, expected a title line, a blank line, then the description"
        )
    lines = text.replace("\r\n", "\n").split("\n")
    title = lines[0].strip()
    if not title:
        raise CaseFileError(f"{path}: the first line must be the case title")
    if len(lines) < 2 or lines[1].strip():
        raise CaseFileError(f"{path}: expected a blank line after the title on line 1")
    return title, "\n".join(lines[2:]).strip("\n")


def _render(result: ScopeResult, console: Console) -> None:
    colour = "green" if result.verdict == "single" else "yellow"
    headline = (
        "One issue"
        if result.verdict == "single"
        else f"{len(result.parts)} separate issues: consider splitting this case"
    )
    console.print(
        Panel(
            f"[bold {colour}]{headline}[/] (confidence {result.confidence:.2f})",
            title="scope check",
            expand=False,
        )
    )
    table = Table("#", "area", "summary", show_header=True, header_style="bold")
    for index, part in enumerate(result.parts, start=1):
        table.add_row(str(index), part.area.value, part.summary)
    console.print(table)
    console.print("[bold]Why[/]")
    for reason in result.reasons:
        console.print(f"  - {reason}", markup=False, highlight=False)


def scope_check(
    file: Path = typer.Argument(..., help="Case text: title line, blank line, description."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Check whether a case text describes one issue or several."""
    try:
        title, description = read_case_file(file)
    except (CaseFileError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    result = check_scope(title, description)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        _render(result, Console())


def register(app: typer.Typer) -> None:
    """Add `scope-check` to the root app."""
    app.command("scope-check")(scope_check)
