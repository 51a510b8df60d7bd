"""Findings that can leave a customer who may not share data: excerpts redacted and capped."""

from __future__ import annotations

from dataclasses import replace
from pathlib import PurePosixPath
from typing import Any

from engage.diagnostics.analyze.model import AnalysisReport, Evidence, Finding, Instance

SHARE_EXCERPT = 200
PSEUDONYMIZE = frozenset({"ips", "hostnames", "emails"})


def share_report(report: AnalysisReport) -> AnalysisReport:
    """A copy of the report whose excerpts, paths and names went through the Redactor."""
    from engage.diagnostics.redact import Redactor  # one Redactor: consistent pseudonyms

    redactor = Redactor(pseudonymize=PSEUDONYMIZE)

    def clean(text: str, name: str) -> str:
        return str(redactor.redact_text(text, name=name))

    findings = [_finding(f, clean) for f in report.findings]
    instances = [_instance(i, clean) for i in report.instances]
    return replace(
        report,
        input=clean(PurePosixPath(report.input).name, "input"),
        findings=findings,
        instances=instances,
        skipped=[],
    )


def share_findings(report: AnalysisReport) -> dict[str, Any]:
    """The findings JSON (the `--format json` shape) safe to share: redacted, length-capped."""
    return share_report(report).to_dict()


def _finding(finding: Finding, clean: Any) -> Finding:
    evidence = []
    for item in finding.evidence:
        text = clean(item.excerpt, "excerpt")
        if len(text) > SHARE_EXCERPT:
            text = text[: SHARE_EXCERPT - 1] + "…"
        evidence.append(Evidence(clean(item.path, "path"), item.line, text))
    return replace(finding, evidence=evidence)


def _instance(instance: Instance, clean: Any) -> Instance:
    return replace(
        instance,
        cluster=clean(instance.cluster, "cluster"),
        environment=clean(instance.environment, "environment"),
        path=clean(instance.path, "path"),
    )
