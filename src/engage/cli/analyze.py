"""`engage analyze PATH`: explain what is wrong with a Kubecost install from its diagnostics."""

from __future__ import annotations

import io
import json
import sys
from collections import Counter
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from engage.cli.errors import fail
from engage.diagnostics.analyze import (
    AnalysisReport,
    AnalyzeError,
    Severity,
    analyze_path,
    render_html,
    render_text,
)

FORMATS = ("text", "json", "html")


def analyze_command(
    path: Path = typer.Argument(
        ...,
        help="Bundle (.tar.gz or folder), log folder, log file, "
        "bug report text or multi-cluster diagnostics JSON.",
    ),
    fmt: str = typer.Option("text", "--format", "-f", help="text, json or html."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report here."),
    min_severity: str = typer.Option(
        "info", "--min-severity", help="Hide findings below: info, warning, error, critical."
    ),
    share: str | None = typer.Option(
        None,
        "--share",
        help="`findings`: only redacted, "
        "length-capped findings (safe to send when data may not "
        "be shared).",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Analyse diagnostics; exit 0 = nothing at error or above, 3 = errors found, 1 = bad input."""
    if fmt not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if share not in (None, "findings"):
        fail(f"--share supports only 'findings', not {share!r}")
    try:
        Severity.parse(min_severity)
        report = _run(path, min_severity, share, quiet)
    except (AnalyzeError, ValueError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{path}: {exc.strerror or exc}")
    _emit(report, fmt, output)
    if fmt != "text" or output is not None:  # the text report on screen lists them itself
        _note_skipped(report)
    raise typer.Exit(report.exit_code)


def _run(path: Path, min_severity: str, share: str | None, quiet: bool) -> AnalysisReport:
    err = Console(stderr=True)
    if quiet or not err.is_terminal:
        return analyze_path(path, min_severity=min_severity, share=share)
    columns = (TextColumn("analysing"), BarColumn(), DownloadColumn(), TransferSpeedColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("analyse", total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        return analyze_path(path, min_severity=min_severity, progress=update, share=share)


def _emit(report: AnalysisReport, fmt: str, output: Path | None) -> None:
    if fmt == "json":
        # with --share findings the report is already the redacted one (see analyze_path)
        text = json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
    elif fmt == "html":
        text = render_html(report)
    else:
        if output is None:
            render_text(report, Console(highlight=False))
            return
        console = Console(record=True, width=120, file=io.StringIO(), highlight=False)
        render_text(report, console)
        text = console.export_text()
    if output is None:
        sys.stdout.write(text)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            fail(f"{output}: {exc.strerror or exc}")


def _note_skipped(report: AnalysisReport) -> None:
    if not report.skipped:
        return
    reasons = Counter(s.reason for s in report.skipped)
    summary = "; ".join(f"{n}x {reason}" for reason, n in reasons.most_common(4))
    print(f"engage: note: skipped {len(report.skipped)} input file(s): {summary}", file=sys.stderr)


def register(app: typer.Typer) -> None:
    """Add `engage analyze` to the root app."""
    app.command("analyze")(analyze_command)
