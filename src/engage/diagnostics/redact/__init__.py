"""Secret redaction for logs, configs, HAR files and bundles (``engage redact``).

Example::

    from engage.diagnostics.redact import Redactor
    Redactor().redact_text("password=hunter2-x9")   # 'password=«redacted:password:583fb6»'
"""

from __future__ import annotations

from engage.diagnostics.redact.detectors import KeyRule, PatternRule, register, registry
from engage.diagnostics.redact.engine import Redactor, verify_path
from engage.diagnostics.redact.errors import RedactionError, RulesError, UnsupportedInput
from engage.diagnostics.redact.report import Finding, Problem, RedactionReport
from engage.diagnostics.redact.rules import RuleSet, load_rules, parse_rules

__all__ = [
    "Finding",
    "KeyRule",
    "PatternRule",
    "Problem",
    "RedactionError",
    "RedactionReport",
    "Redactor",
    "RuleSet",
    "RulesError",
    "UnsupportedInput",
    "load_rules",
    "parse_rules",
    "register",
    "registry",
    "verify_path",
]
