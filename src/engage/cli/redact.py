"""`engage redact INPUT -o OUTPUT`: remove secrets from logs, configs, HAR files and bundles."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import typer

from engage.cli.errors import fail
from engage.diagnostics.redact import (
    RedactionError,
    RedactionReport,
    Redactor,
    RuleSet,
    load_rules,
    verify_path,
)
from engage.diagnostics.redact.parallel import default_workers
from engage.diagnostics.redact.rules import PSEUDONYM_RULES

EXIT_VERIFY_FAILED = 3
PROGRESS_MIN_BYTES = 16 << 20
NOTES_PER_MESSAGE = 5  # files named per note message; the rest are counted


def redact_command(
    source: Path = typer.Argument(..., help="A file, a folder or a .tar.gz/.tgz bundle."),
    output: Path = typer.Option(..., "--output", "-o", help="Where to write (same kind)."),
    rules_file: Path | None = typer.Option(None, "--rules", help="Custom rules YAML file."),
    report_file: Path | None = typer.Option(
        None, "--report", help="Write counts per rule and file here (JSON, no values)."
    ),
    map_file: Path | None = typer.Option(
        None, "--map", help="Write token -> original here, for your own use only."
    ),
    pseudonymize: str = typer.Option(
        "",
        "--pseudonymize",
        help="Also pseudonymise: any of ips,macs,hostnames,domains,emails,accounts, or all.",
    ),
    workers: int = typer.Option(
        0, "--workers", help="Processes for folders (0: one per core).", min=0, max=256
    ),
    domains: str = typer.Option(
        "", "--domains", help="Extra domains to pseudonymise (comma-separated, with domains)."
    ),
    verify: bool = typer.Option(
        False, "--verify", help="Rescan the output; exit 3 if a rule still fires."
    ),
    force: bool = typer.Option(False, "--force", help="Replace OUTPUT if it exists."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
) -> None:
    """Redact secrets; exit 0 = done, 1 = bad input, 3 = --verify found something left."""
    kinds = frozenset(k.strip() for k in pseudonymize.split(",") if k.strip())
    unknown = kinds - set(PSEUDONYM_RULES) - {"all"}
    if unknown:
        fail(
            "--pseudonymize accepts ips, macs, hostnames, domains, emails, accounts or all "
            f"(not {', '.join(sorted(unknown))})"
        )
    extra_domains = tuple(d.strip().lower().strip(".") for d in domains.split(",") if d.strip())
    if force and (output.exists() or output.is_symlink()) and output.resolve() != source.resolve():
        _remove(output)
    started = time.monotonic()
    try:
        rules = load_rules(rules_file) if rules_file is not None else RuleSet.builtin()
        redactor = Redactor(
            rules,
            pseudonymize=kinds,
            workers=workers or default_workers(),
            domains=extra_domains,
        )
        report = _run(redactor, source, output, quiet)
    except RedactionError as exc:
        fail(str(exc))
    _write_json(report_file, report.to_dict())
    if map_file is not None:
        _write_json(map_file, redactor.mapping, private=True)
    if not quiet:
        _summary(report, time.monotonic() - started)
    if verify:
        _verify(output, rules)


def _run(redactor: Redactor, source: Path, output: Path, quiet: bool) -> RedactionReport:
    if quiet:
        return redactor.redact_path(source, output)
    # rich loads only when something is shown: a quiet run (scripts, the benchmark) starts faster
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    err = Console(stderr=True)
    total = _input_size(source)
    if total < PROGRESS_MIN_BYTES:
        return redactor.redact_path(source, output)
    columns = (TextColumn("redacting"), BarColumn(), DownloadColumn(), TransferSpeedColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("redact", total=total)
        return redactor.redact_path(source, output, progress=lambda n: progress.advance(task, n))


def _input_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    if not path.is_dir():
        return 0
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                continue
    return total


def _summary(report: RedactionReport, seconds: float) -> None:
    from rich.console import Console
    from rich.table import Table

    err = Console(stderr=True, highlight=False)
    mb = report.bytes_in / 1e6
    rate = f", {mb / seconds:.0f} MB/s" if seconds > 0 and mb >= 1 else ""
    err.print(
        f"redacted {report.files} file(s), {mb:.1f} MB in {seconds:.1f}s{rate}: "
        f"{report.total} value(s) replaced"
    )
    if report.counts_by_rule:
        table = Table("rule", "replaced", box=None, pad_edge=False)
        for rule, count in report.counts_by_rule.most_common():
            table.add_row(rule, str(count))
        err.print(table)
    if report.binary_files:
        err.print(f"{len(report.binary_files)} binary file(s) passed through unchanged")
    if report.empty_files:
        err.print(f"{len(report.empty_files)} empty file(s) copied as they are")
    _problems(report)


def _problems(report: RedactionReport) -> None:
    """One line per file that needs attention; a message shared by many files is printed for
    a few of them and counted for the rest (``--report`` lists every one)."""
    by_message: dict[tuple[bool, str], list[str]] = {}
    for problem in report.problems:
        by_message.setdefault((problem.skipped, problem.message), []).append(problem.file)
    for (skipped, message), files in by_message.items():
        verb = "left out" if skipped else "note"
        for file in files[:NOTES_PER_MESSAGE]:
            print(f"engage: {verb}: {file}: {message}", file=sys.stderr)
        if len(files) > NOTES_PER_MESSAGE:
            more = len(files) - NOTES_PER_MESSAGE
            print(f"engage: {verb}: {more} more file(s): {message}", file=sys.stderr)


def _verify(output: Path, rules: RuleSet) -> None:
    try:
        findings = verify_path(output, rules)
    except RedactionError as exc:
        fail(f"verify: {exc}")
    if not findings:
        print("verify: no rule fires on the output", file=sys.stderr)
        return
    for finding in findings:
        print(
            f"verify: {finding.file}: rule {finding.rule} fires ({finding.count}x)",
            file=sys.stderr,
        )
    raise typer.Exit(EXIT_VERIFY_FAILED)


def _write_json(path: Path | None, data: Any, *, private: bool = False) -> None:
    if path is None:
        return
    try:
        if private:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=2, ensure_ascii=False)
        else:
            path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", "utf-8")
    except OSError as exc:
        fail(f"{path}: {exc.strerror or exc}")


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def register(app: typer.Typer) -> None:
    """Add `engage redact` to the root app."""
    app.command("redact")(redact_command)
