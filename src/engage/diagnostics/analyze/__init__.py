"""The analyzer: explain what is wrong with a Kubecost install from its diagnostics.

from engage.diagnostics.analyze import analyze_path
report = analyze_path(Path("bundle.tar.gz"), min_severity="warning")
report.to_dict(); report.exit_code
"""

from engage.diagnostics.analyze.engine import analyze_path, build_scanner
from engage.diagnostics.analyze.model import (
    CATEGORIES,
    AnalysisReport,
    AnalyzeError,
    Evidence,
    Finding,
    Instance,
    Severity,
    Skipped,
)
from engage.diagnostics.analyze.registry import load_rules, register
from engage.diagnostics.analyze.render_html import render_html
from engage.diagnostics.analyze.render_text import render_text
from engage.diagnostics.analyze.rule import Hit, InstanceData, Rule, Tier
from engage.diagnostics.analyze.share import share_findings

__all__ = [
    "CATEGORIES",
    "AnalysisReport",
    "AnalyzeError",
    "Evidence",
    "Finding",
    "Hit",
    "Instance",
    "InstanceData",
    "Rule",
    "Severity",
    "Skipped",
    "Tier",
    "analyze_path",
    "build_scanner",
    "load_rules",
    "register",
    "render_html",
    "render_text",
    "share_findings",
]
