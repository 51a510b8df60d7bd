"""Rule sets: the built-ins plus custom rules from a YAML file.

A rules file looks like this::

    builtin: true                 # keep the built-in detectors (the default)
    rules:
      - name: acme-project
        literal: acme-prod-7731   # or `literals: [...]`
      - name: ticket-id
        regex: 'TICKET-(?P<secret>[0-9]+)'   # only the named group is masked
        group: secret             # optional; the whole match when the group is absent
        ignore_case: false
      - name: db-settings
        key_path: database.password          # JSON/YAML paths; `*` one level, `**` any
      - name: acme-credential
        keys: [acmeCredential]    # key names, in text (key=value) and in documents
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from engage.diagnostics.redact.detectors import KeyRule, PatternRule, registry
from engage.diagnostics.redact.errors import RulesError

_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,62}")
_KINDS = ("literal", "literals", "regex", "key_path", "key_paths", "keys")
_ALLOWED = {"name", "description", "group", "ignore_case", *_KINDS}
PSEUDONYM_RULES = {
    "ips": ("ip", "ip-dashed", "ip-underscored", "ipv6"),
    "macs": ("mac",),
    "hostnames": ("hostname", "node-name"),
    "domains": ("domain",),
    "emails": ("email",),
    "accounts": ("azure-subscription", "azure-resource-group", "azure-resource", "aws-account"),
}


@dataclass(frozen=True)
class KeyPath:
    """A dotted path into JSON/YAML documents whose value (or subtree) is masked."""

    name: str
    parts: tuple[str, ...]

    def matches(self, path: tuple[str, ...]) -> bool:
        """True when a document path (keys and list indices as text) matches this path."""
        return _match_parts(self.parts, path)


def _match_parts(parts: tuple[str, ...], path: tuple[str, ...]) -> bool:
    if not parts:
        return not path
    head, rest = parts[0], parts[1:]
    if head == "**":
        return any(_match_parts(rest, path[i:]) for i in range(len(path) + 1))
    if not path:
        return False
    return (head == "*" or head == path[0]) and _match_parts(rest, path[1:])


@dataclass(frozen=True)
class RuleSet:
    """The rules a Redactor applies."""

    pattern_rules: tuple[PatternRule, ...]
    key_rules: tuple[KeyRule, ...]
    key_paths: tuple[KeyPath, ...] = ()
    prefilter: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def builtin(cls) -> RuleSet:
        """Every registered secret detector and key rule (no pseudonym rules)."""
        return cls(tuple(registry.pattern_rules(("secret",))), tuple(registry.key_rules()))

    @classmethod
    def empty(cls) -> RuleSet:
        """No rules at all (a base for custom-only rule files)."""
        return cls((), ())

    def with_pseudonyms(self, kinds: Iterable[str], domains: Iterable[str] = ()) -> RuleSet:
        """This set plus the network-identity rules named in ``kinds`` (``all``: every kind).

        ``domains`` are pseudonymised wherever they occur, inside host names too.
        """
        wanted: set[str] = set()
        for kind in kinds:
            if kind == "all":
                wanted.update(n for names in PSEUDONYM_RULES.values() for n in names)
            elif kind in PSEUDONYM_RULES:
                wanted.update(PSEUDONYM_RULES[kind])
            else:
                raise RulesError(
                    f"unknown pseudonym kind {kind!r} (use {', '.join(PSEUDONYM_RULES)} or all)"
                )
        extra = [r for r in registry.pattern_rules(("pseudonym",)) if r.name in wanted]
        listed = sorted({d.lower().strip(".") for d in domains if d.strip(".")})
        if listed:
            extra.append(_domain_rule(listed))
        return replace(self, pattern_rules=_sorted((*self.pattern_rules, *extra)))

    def merged(self, other: RuleSet) -> RuleSet:
        """Both sets' rules together."""
        return RuleSet(
            _sorted((*self.pattern_rules, *other.pattern_rules)),
            tuple(sorted((*self.key_rules, *other.key_rules), key=lambda r: r.priority)),
            (*self.key_paths, *other.key_paths),
            self.prefilter | other.prefilter,
        )

    def names(self) -> list[str]:
        """Names of every rule in the set."""
        found = {r.name for r in self.pattern_rules} | {r.name for r in self.key_rules}
        return sorted(found | {p.name for p in self.key_paths})


def _domain_rule(domains: list[str]) -> PatternRule:
    """The given domains, wherever they occur (``db.acme.corp`` keeps ``db.``)."""
    alternatives = b"|".join(re.escape(d.encode()) for d in domains)
    return PatternRule(
        name="domain",
        description="domains given to the run (--domains)",
        triggers=tuple(re.escape(d) for d in domains),
        pattern=re.compile(
            rb"(?i)(?<![\w\-])(?:[a-z0-9\-]+\.)*?(?P<secret>" + alternatives + rb")(?![\w\-])"
        ),
        caseless=True,
        kind="pseudonym",
        priority=87,
    )


def _sorted(rules: Iterable[PatternRule]) -> tuple[PatternRule, ...]:
    return tuple(sorted(rules, key=lambda r: r.priority))


def _escape_bytes(literal: bytes) -> str:
    return "".join(chr(c) if chr(c).isalnum() and c < 128 else f"\\x{c:02x}" for c in literal)


def _literal_rule(name: str, literals: list[str], caseless: bool) -> PatternRule:
    encoded = [lit.encode() for lit in literals]
    if not all(encoded):
        raise RulesError(f"rule {name!r}: literal values must not be empty")
    flags = re.IGNORECASE if caseless else 0
    # longest first: with ``acme`` and ``acme-prod-7731`` listed, the longer one goes whole
    longest = sorted(set(encoded), key=len, reverse=True)
    pattern = re.compile(b"|".join(re.escape(e) for e in longest), flags)
    return PatternRule(
        name=name,
        description=f"custom literal rule {name}",
        triggers=tuple(_escape_bytes(e) for e in encoded),
        pattern=pattern,
        group=0,
        caseless=caseless,
        kind="custom",
        priority=5,
    )


def _regex_rule(name: str, regex: str, group: str | None, caseless: bool) -> PatternRule:
    try:
        pattern = re.compile(regex.encode(), re.IGNORECASE if caseless else 0)
    except re.error as exc:
        raise RulesError(f"rule {name!r}: invalid regex: {exc}") from exc
    chosen: str | int = group or ("secret" if "secret" in pattern.groupindex else 0)
    if isinstance(chosen, str) and chosen not in pattern.groupindex:
        raise RulesError(f"rule {name!r}: the regex has no group named {chosen!r}")
    trigger = re.sub(r"\(\?P<[A-Za-z_]\w*>", "(", regex)
    return PatternRule(
        name=name,
        description=f"custom regex rule {name}",
        triggers=(trigger,),
        pattern=pattern,
        group=chosen,
        caseless=caseless,
        kind="custom",
        priority=5,
    )


def _as_list(name: str, value: Any, field_name: str) -> list[str]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(v, str) and v for v in items):
        raise RulesError(f"rule {name!r}: {field_name} must be a non-empty string or list")
    return [str(v) for v in items]


def _parse_rule(entry: Any, index: int) -> RuleSet:
    if not isinstance(entry, dict):
        raise RulesError(f"rule #{index + 1} must be a mapping")
    unknown = set(entry) - _ALLOWED
    name = entry.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise RulesError(f"rule #{index + 1} needs a name in kebab-case (a-z, 0-9, -)")
    if unknown:
        raise RulesError(f"rule {name!r}: unknown fields {', '.join(sorted(unknown))}")
    kinds = [k for k in _KINDS if k in entry]
    if len(kinds) != 1:
        raise RulesError(f"rule {name!r}: give exactly one of {', '.join(_KINDS)}")
    kind, value, caseless = kinds[0], entry[kinds[0]], bool(entry.get("ignore_case", False))
    if kind in ("literal", "literals"):
        return RuleSet((_literal_rule(name, _as_list(name, value, kind), caseless),), ())
    if kind == "regex":
        if not isinstance(value, str) or not value:
            raise RulesError(f"rule {name!r}: regex must be a non-empty string")
        group = entry.get("group")
        rule = _regex_rule(name, value, str(group) if group is not None else None, caseless)
        return RuleSet((rule,), (), prefilter=frozenset({name}))
    if kind == "keys":
        return RuleSet(
            (),
            (
                KeyRule(
                    name=name,
                    description=f"custom key rule {name}",
                    exact=tuple(_as_list(name, value, kind)),
                    priority=5,
                    strict=True,
                ),
            ),
        )
    paths = tuple(KeyPath(name, tuple(p.split("."))) for p in _as_list(name, value, kind))
    return RuleSet((), (), paths)


def parse_rules(data: Any) -> RuleSet:
    """Build a RuleSet from already-parsed YAML data."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RulesError("a rules file must be a mapping with a `rules` list")
    unknown = set(data) - {"builtin", "rules"}
    if unknown:
        raise RulesError(f"unknown top-level fields in rules file: {', '.join(sorted(unknown))}")
    entries = data.get("rules") or []
    if not isinstance(entries, list):
        raise RulesError("`rules` must be a list")
    base = RuleSet.builtin() if data.get("builtin", True) else RuleSet.empty()
    names: set[str] = set()
    for index, entry in enumerate(entries):
        custom = _parse_rule(entry, index)
        dup = names & set(custom.names())
        if dup:
            raise RulesError(f"rule {dup.pop()!r} is defined twice")
        names |= set(custom.names())
        base = base.merged(custom)
    return base


def load_rules(path: Path | str) -> RuleSet:
    """Load a custom rules YAML file (built-ins included unless ``builtin: false``)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"cannot read rules file {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise RulesError(f"rules file {path} is not UTF-8 text") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RulesError(f"rules file {path} is not valid YAML: {exc}") from exc
    return parse_rules(data)
