"""`engage scope-check FILE [--json]`: does a case text hold one issue or several?"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:  # the check and Rich load when the command runs: start-up stays short
    from rich.console import Console

    from engage.domain.scope import ScopeResult

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
    from rich.panel import Panel
    from rich.table import Table

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


def _run(file: Path, as_json: bool) -> None:
    """Check one case file and print the result; a one-line error and exit 1 when it fails."""
    from engage.domain.scope import check_scope
    from engage.domain.scope.encoder import EncoderUnavailable

    try:
        title, description = read_case_file(file)
        result = check_scope(title, description)
    except (CaseFileError, OSError, EncoderUnavailable) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise SystemExit(1) from None
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        from rich.console import Console

        _render(result, Console())


def scope_check(
    file: Path = typer.Argument(..., help="Case text: title line, blank line, description."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Check whether a case text describes one issue or several."""
    _run(file, as_json)


def quick(args: list[str]) -> bool:
    """Run `scope-check FILE [--json]` without building the Typer command.

    Typer builds a pydantic adapter per parameter, which costs more start-up time than the
    check; anything but the plain form (--help, unknown options) returns False and goes to
    Typer, so help and usage errors stay Typer's.
    """
    rest = [a for a in args if a != "--json"]
    if len(rest) != 1 or rest[0].startswith("-") or len(args) - len(rest) > 1:
        return False
    _run(Path(rest[0]), "--json" in args)
    return True


def register(app: typer.Typer) -> None:
    """Add `scope-check` to the root app."""
    app.command("scope-check")(scope_check)
