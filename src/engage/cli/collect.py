"""`engage collect`: one run gathers diagnostics from every Kubecost install into one bundle."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.progress import (
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
)

from engage.cli.errors import fail
from engage.cli.upload import send_file

if TYPE_CHECKING:
    from engage.diagnostics.collect import CollectResult

EXIT_PARTIAL = 3
_err = Console(stderr=True)


class RichProgress:
    """One Rich line per environment and per instance, on stderr."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[str, TaskID] = {}

    def add(self, key: str, label: str) -> None:
        """Start a line."""
        self._tasks[key] = self._progress.add_task(label, total=None, status="")

    def update(self, key: str, text: str) -> None:
        """Change what the line says is happening."""
        if key in self._tasks:
            self._progress.update(self._tasks[key], status=text)

    def done(self, key: str, text: str) -> None:
        """Finish a line."""
        if key in self._tasks:
            self._progress.update(self._tasks[key], status=text, total=1, completed=1)


def _parse_environments(values: list[str]) -> dict[str, str]:
    out = {}
    for v in values:
        name, sep, ctx = v.partition("=")
        if not sep or not name or not ctx:
            fail(f"--environment expects NAME=CONTEXT, got {v!r}", 2)
        out[name] = ctx
    return out


def _parse_include(value: str) -> frozenset[str]:
    from engage.diagnostics.collect import OPTIONAL_COLLECTORS

    items = frozenset(i.strip() for i in value.split(",") if i.strip())
    unknown = items - OPTIONAL_COLLECTORS
    if unknown:
        fail(
            f"--include: unknown item(s) {', '.join(sorted(unknown))} "
            f"(choose from {', '.join(sorted(OPTIONAL_COLLECTORS))})",
            2,
        )
    return items


def _confirm(yes: bool) -> Any:
    if yes:
        return lambda question: True
    if sys.stdin.isatty():
        return lambda question: typer.confirm(question, default=False, err=True)
    return None


def _analyze(bundle: Path) -> dict[str, Any] | None:
    try:
        from engage.diagnostics.analyze.engine import analyze_path
    except ImportError:
        _err.print("[yellow]--analyze: the analyzer is not available in this build[/]")
        return None
    report = analyze_path(bundle)
    summary: dict[str, Any] = report.to_dict().get("summary", {})
    return summary


def _redactor(pseudonymize: str) -> Any:
    """The run's Redactor: built-in rules, plus the pseudonym kinds asked for (None: default)."""
    kinds = frozenset(k.strip() for k in pseudonymize.split(",") if k.strip())
    if not kinds:
        return None
    from engage.diagnostics.redact import Redactor
    from engage.diagnostics.redact.rules import PSEUDONYM_RULES

    unknown = kinds - set(PSEUDONYM_RULES) - {"all"}
    if unknown:
        fail(
            "--pseudonymize accepts ips, macs, hostnames, domains, emails, accounts or all "
            f"(not {', '.join(sorted(unknown))})",
            2,
        )
    return Redactor(pseudonymize=kinds)


def collect_command(
    output: Path | None = typer.Option(None, "-o", "--output", help="Bundle file to write."),
    kubeconfig: str | None = typer.Option(
        None, "--kubeconfig", help="Kubeconfig (else $KUBECONFIG)."
    ),
    context: list[str] = typer.Option([], "--context", help="Context to collect (repeatable)."),
    all_contexts: bool = typer.Option(
        False, "--all-contexts", help="Every context in the kubeconfig."
    ),
    environment: list[str] = typer.Option([], "--environment", help="NAME=CONTEXT (repeatable)."),
    namespace: str | None = typer.Option(None, "--namespace", "-n", help="Only this namespace."),
    since: str = typer.Option("24h", "--since", help="Log window, e.g. 30m, 24h, 2d."),
    include: str = typer.Option("", "--include", help="Extras: heap,aggregator-db."),
    case: str | None = typer.Option(None, "--case", help="Support case id."),
    upload: bool = typer.Option(False, "--upload", help="Send the bundle to the case."),
    analyze: bool = typer.Option(
        False, "--analyze", help="Run the analyzer and print its summary."
    ),
    timeout: str = typer.Option("10m", "--timeout", help="Overall deadline."),
    request_timeout: str = typer.Option("30s", "--request-timeout", help="Per API request."),
    concurrency: int = typer.Option(4, "--concurrency", min=1, max=64, help="Parallel instances."),
    log_limit_mb: int = typer.Option(100, "--log-limit-mb", min=1, help="Per container log."),
    max_db_size_gb: float = typer.Option(2.0, "--max-db-size-gb", help="Ask above this DB size."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Answer yes to size questions."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    pseudonymize: str = typer.Option(
        "",
        "--pseudonymize",
        help="Also pseudonymise: any of ips,macs,hostnames,domains,emails,accounts, or all "
        "(your organisation's policy may ask for it).",
    ),
) -> None:
    """Collect logs, resources, Kubecost diagnostics (and optionally heap and DB) into a bundle."""
    # The Kubernetes client takes a quarter of a second to import: only this command pays it.
    from engage.diagnostics.bundle import BundleError
    from engage.diagnostics.collect import CollectError, CollectOptions, collect, parse_duration

    if upload and not case:
        fail("--upload needs --case ID", 2)
    redactor = _redactor(pseudonymize)
    try:
        options = CollectOptions(
            output=output,
            kubeconfig=kubeconfig,
            contexts=list(context),
            all_contexts=all_contexts,
            environments=_parse_environments(environment),
            namespace=namespace,
            since_seconds=int(parse_duration(since)) or None,
            include=_parse_include(include),
            case_id=case,
            timeout=parse_duration(timeout),
            request_timeout=parse_duration(request_timeout),
            concurrency=concurrency,
            log_limit_bytes=log_limit_mb << 20,
            max_db_bytes=int(max_db_size_gb * 2**30),
            confirm=_confirm(yes),
            redactor=redactor,
        )
    except ValueError as exc:
        fail(str(exc), 2)
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("[dim]{task.fields[status]}"),
    )
    try:
        with Progress(*columns, console=_err, transient=False) as progress:
            options.progress = RichProgress(progress)
            result = collect(options)
    except (CollectError, BundleError) as exc:
        fail(str(exc))
    _report(result, upload=upload, analyze=analyze, as_json=as_json)


def _report(result: CollectResult, *, upload: bool, analyze: bool, as_json: bool) -> None:
    assert result.bundle is not None
    out: dict[str, Any] = {
        "bundle": str(result.bundle),
        "complete": result.complete,
        "problems": result.problems,
    }
    for problem in result.problems:
        _err.print(f"[yellow]partial:[/] {problem}", highlight=False)
    if upload:
        token = os.environ.get("ENGAGE_TOKEN")
        url = os.environ.get("ENGAGE_URL", "http://127.0.0.1:8000")
        if not token:
            fail(f"bundle written to {result.bundle}, but ENGAGE_TOKEN is not set for --upload")
        _err.print(
            f"bundle written to {result.bundle}; uploading to case "
            f"{result.manifest.case_id} at {url}",
            highlight=False,
        )
        out["upload"] = send_file(result.bundle, str(result.manifest.case_id), "engage-bundle")
    if analyze:
        out["analysis"] = _analyze(result.bundle)
    if as_json:
        typer.echo(json.dumps(out, indent=2))
    else:
        typer.echo(str(result.bundle))
        if out.get("analysis") is not None:
            typer.echo(json.dumps(out["analysis"], indent=2))
    if not result.complete:
        raise typer.Exit(EXIT_PARTIAL)


def register(app: typer.Typer) -> None:
    """Add the `collect` command to the root app."""
    app.command("collect")(collect_command)
