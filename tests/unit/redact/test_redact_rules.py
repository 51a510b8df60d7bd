"""Custom rules files: literals, regexes with a group, key names and paths; clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from engage.diagnostics.redact import Redactor, RulesError, load_rules


def _rules(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_literal_regex_and_keys(tmp_path: Path) -> None:
    rules = load_rules(
        _rules(
            tmp_path,
            """
rules:
  - name: acme-project
    literals: [acme-prod-7731, "Ümlaut-Secret"]
  - name: ticket-id
    regex: 'TICKET-(?P<secret>[0-9]+)'
  - name: acme-cred
    keys: [acmeCredential]
""",
        )
    )
    out = Redactor(rules, key=b"k").redact_text(
        "p=acme-prod-7731 u=Ümlaut-Secret TICKET-42 acmeCredential: xyz-987654 password=Pw-123456"
    )
    assert "acme-prod-7731" not in out and "Ümlaut-Secret" not in out
    assert "TICKET-«redacted:ticket-id:" in out
    assert "xyz-987654" not in out
    assert "Pw-123456" not in out  # built-ins stay on by default


def test_a_longer_literal_goes_whole_when_a_shorter_one_is_its_prefix(tmp_path: Path) -> None:
    rules = load_rules(
        _rules(tmp_path, "rules:\n  - {name: acme, literals: [acme, acme-prod-7731]}\n")
    )
    out = Redactor(rules, key=b"k").redact_text("host acme-prod-7731 and acme\n")
    assert "prod" not in out and out.count("«redacted:acme:") == 2


def test_builtin_false_keeps_only_custom_rules(tmp_path: Path) -> None:
    rules = load_rules(
        _rules(tmp_path, "builtin: false\nrules:\n  - {name: x, literal: abc-secret}\n")
    )
    out = Redactor(rules, key=b"k").redact_text("abc-secret password=Pw-123456")
    assert "abc-secret" not in out and "Pw-123456" in out


def test_regex_with_lookaround_is_accepted_via_prefilter(tmp_path: Path) -> None:
    rules = load_rules(
        _rules(tmp_path, "rules:\n  - {name: x, regex: '(?<=id=)(?P<secret>[0-9]{4})(?!0)'}\n")
    )
    assert "1234" not in Redactor(rules, key=b"k").redact_text("id=1234 id=5670")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules: [", "not valid YAML"),
        ("rules:\n  - {name: Bad Name, literal: x}\n", "kebab-case"),
        ("rules:\n  - {name: x}\n", "exactly one of"),
        ("rules:\n  - {name: x, regex: '(unclosed'}\n", "invalid regex"),
        ("rules:\n  - {name: x, regex: 'a(?P<other>b)', group: secret}\n", "no group named"),
        ("rules:\n  - {name: x, literal: a, colour: red}\n", "unknown fields"),
        ("rules:\n  - {name: x, literal: a}\n  - {name: x, literal: b}\n", "defined twice"),
        ("other: 1\n", "unknown top-level"),
    ],
)
def test_bad_rules_files_give_clear_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(RulesError, match=message):
        load_rules(_rules(tmp_path, text))


def test_missing_rules_file(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="cannot read"):
        load_rules(tmp_path / "nope.yaml")
