"""The analysis: read the input, run state rules, and turn hits into one finding per cause."""

from __future__ import annotations

from pathlib import Path

from engage.diagnostics.analyze.findings import applies, rule_finding
from engage.diagnostics.analyze.model import (
    AnalysisReport,
    AnalyzeError,
    Finding,
    Severity,
    Skipped,
)
from engage.diagnostics.analyze.reader import AnalysisRun, Progress, build_scanner
from engage.diagnostics.analyze.registry import load_rules

__all__ = ["analyze_path", "build_scanner"]


def analyze_path(
    path: Path,
    *,
    min_severity: str = "info",
    progress: Progress | None = None,
    share: str | None = None,
) -> AnalysisReport:
    """Analyse a bundle, directory, log file, bug report, HAR file, heap profile or JSON."""
    threshold = Severity.parse(min_severity)
    path = Path(path)
    if not path.exists():
        raise AnalyzeError(f"{path}: no such file or directory")
    run = AnalysisRun(path, progress)
    run.read()
    keys = run.resolve_instances()
    index = {key: n for n, key in enumerate(keys)}
    rules = load_rules()
    for key in keys:
        inst = run.data[key]
        run.restarts(inst)
        for rule in rules:
            for hit in rule.evaluate(inst):
                run.add(key, rule, hit)
    findings = _findings(run, index, threshold)
    findings += run.special.findings(threshold)
    findings += run.fallback.findings(index, threshold)
    findings.sort(key=lambda f: (-f.severity, f.instance, -f.count, f.rule_id))
    report = AnalysisReport(
        input=path.name,
        instances=[run.data[k].instance for k in keys],
        findings=findings,
        skipped=[Skipped(p, r) for p, r in run.problems.skipped],
        timeline=run.timeline,
        bytes_scanned=run.bytes_scanned + run.special.bytes_read,
        files_scanned=run.files_scanned,
        requests=run.special.requests,
        profiles=run.special.profiles,
        unrecognised_shapes=run.fallback.shape_count(),
    )
    if share == "findings":
        from engage.diagnostics.analyze.share import share_report

        return share_report(report)
    return report


def _findings(run: AnalysisRun, index: dict[str, int], threshold: Severity) -> list[Finding]:
    findings: list[Finding] = []
    for (key, rule_id, foreign), acc in run.acc.items():
        rule = run.rules[rule_id]
        inst = run.data[key].instance
        if foreign:
            if not run.data[key].all_pods_are_kubecost:
                continue  # a non-Kubecost workload in a namespace without Kubecost
            if (key, rule_id, False) in run.acc:
                continue  # merged below into the Kubecost accumulator
        elif (key, rule_id, True) in run.acc and run.data[key].all_pods_are_kubecost:
            acc.merge(run.acc[(key, rule_id, True)])
        if applies(rule, inst, threshold):
            findings.append(rule_finding(rule, acc, index.get(key, 0)))
    return findings
