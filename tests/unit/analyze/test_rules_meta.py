"""Meta-test: every rule has docs and pass/fail fixtures, and the fixtures behave."""

from __future__ import annotations

from pathlib import Path

import pytest

from engage.diagnostics.analyze import CATEGORIES, Rule, Severity, analyze_path, load_rules

from .conftest import ANALYZE_FIXTURES

RULES = load_rules()
RULE_DIR = ANALYZE_FIXTURES / "rules"


def _fixtures(rule: Rule, kind: str) -> list[Path]:
    return sorted((RULE_DIR / rule.id).glob(f"{kind}*"))


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_metadata_and_docs(rule: Rule) -> None:
    assert rule.category in CATEGORIES
    assert isinstance(rule.severity, Severity)
    assert rule.title and rule.explanation and rule.remediation
    assert rule.docs and all(link.startswith("https://") for link in rule.docs)
    assert rule.patterns or type(rule).evaluate is not Rule.evaluate, "rule has no matcher"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_has_pass_and_fail_fixtures(rule: Rule) -> None:
    assert _fixtures(rule, "fail"), f"missing {RULE_DIR / rule.id}/fail*"
    assert _fixtures(rule, "pass"), f"missing {RULE_DIR / rule.id}/pass*"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_fail_fixtures_trigger_the_rule(rule: Rule) -> None:
    for fixture in _fixtures(rule, "fail"):
        found = [f for f in analyze_path(fixture).findings if f.rule_id == rule.id]
        assert found, f"{fixture} did not trigger {rule.id}"
        assert found[0].severity == rule.severity and found[0].evidence


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_pass_fixtures_do_not_trigger_the_rule(rule: Rule) -> None:
    for fixture in _fixtures(rule, "pass"):
        ids = {f.rule_id for f in analyze_path(fixture).findings}
        assert rule.id not in ids, f"{fixture} triggered {rule.id}"


def test_no_orphan_fixture_folders() -> None:
    ids = {r.id for r in RULES}
    assert {p.name for p in RULE_DIR.iterdir()} <= ids
