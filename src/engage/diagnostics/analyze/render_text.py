"""A readable terminal report (Rich): instances, summary, findings by instance, skipped input."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from engage.diagnostics.analyze.model import AnalysisReport, Finding, Severity

STYLES = {
    Severity.CRITICAL: "bold white on red",
    Severity.ERROR: "bold red",
    Severity.WARNING: "yellow",
    Severity.INFO: "cyan",
}


def render_text(report: AnalysisReport, console: Console) -> None:
    """Print the report to a Rich console."""
    console.print(
        f"[bold]engage analyze[/] {escape(report.input)}  "
        f"[dim]({report.files_scanned} files, {report.bytes_scanned:,} bytes)[/]"
    )
    console.print(_instances(report))
    console.print(_summary(report))
    for index, instance in enumerate(report.instances):
        findings = [f for f in report.findings if f.instance == index]
        if not findings:
            continue
        console.rule(f"[bold]{escape(instance.heading(report.input))}[/]")
        for finding in findings:
            _finding(console, finding)
    if not report.findings:
        console.print("[green]No findings.[/]")
    _skipped(console, report)


def _instances(report: AnalysisReport) -> Table:
    table = Table(title="Instances", title_justify="left", show_edge=False)
    for column in ("environment", "cluster", "namespace", "version", "flavour"):
        table.add_column(column)
    for inst in report.instances:
        table.add_row(
            escape(inst.environment),
            escape(inst.cluster),
            escape(inst.namespace),
            inst.version or "?",
            inst.flavour,
        )
    return table


def _summary(report: AnalysisReport) -> str:
    parts = []
    for severity in sorted(Severity, reverse=True):
        count = report.summary[severity.label]
        style = STYLES[severity] if count else "dim"
        parts.append(f"[{style}]{count} {severity.label}[/]")
    return "Summary: " + ", ".join(parts)


def _finding(console: Console, finding: Finding) -> None:
    badge = f"[{STYLES[finding.severity]}] {finding.severity.label.upper()} [/]"
    when = ""
    if finding.first_seen:
        when = f"  [dim]{finding.first_seen} .. {finding.last_seen}[/]"
    console.print(
        f"\n{badge} [bold]{escape(finding.title)}[/]  [dim]{finding.rule_id} · "
        f"{finding.category} · {finding.count}x[/]{when}"
    )
    console.print(f"  {escape(finding.explanation)}")
    console.print(f"  [green]Fix:[/] {escape(finding.remediation)}")
    for item in finding.evidence:
        where = f"{item.path}:{item.line}" if item.line else item.path
        console.print(f"  [dim]{escape(where)}[/]\n    {escape(item.excerpt)}")
    if finding.related:
        console.print(f"  [dim]Also matched (folded in): {escape(', '.join(finding.related))}[/]")
    for link in finding.docs:
        console.print(f"  [blue]{escape(link)}[/]")


def _skipped(console: Console, report: AnalysisReport) -> None:
    if not report.skipped:
        return
    reasons = Counter(s.reason for s in report.skipped)
    console.print(f"\n[dim]Skipped {len(report.skipped)} input file(s):[/]")
    for reason, count in reasons.most_common():
        example = next(s.path for s in report.skipped if s.reason == reason)
        console.print(f"  [dim]{count}x {escape(reason)} (e.g. {escape(example)})[/]")
