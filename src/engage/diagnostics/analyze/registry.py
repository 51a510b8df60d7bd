"""One registry of analyzer rules; the built-in rules register themselves like plugins do.

Third-party packages add rules the same way: a module that defines `Rule` subclasses decorated
with `@register`, advertised under the entry-point group `engage.analyze_rules`.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from importlib.metadata import entry_points

from engage.diagnostics.analyze.model import CATEGORIES
from engage.diagnostics.analyze.rule import Rule

ENTRY_POINT_GROUP = "engage.analyze_rules"
_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class RuleDefinitionError(ValueError):
    """A rule class is missing metadata or reuses another rule's id."""


class RuleRegistry:
    """Rule instances by id, in registration order."""

    def __init__(self) -> None:
        """An empty registry."""
        self._rules: dict[str, Rule] = {}

    def add(self, rule: Rule) -> None:
        """Validate and add one rule instance."""
        _validate(rule)
        if rule.id in self._rules and type(self._rules[rule.id]) is not type(rule):
            raise RuleDefinitionError(f"duplicate rule id {rule.id!r}")
        self._rules[rule.id] = rule

    def rules(self) -> list[Rule]:
        """All registered rules."""
        return list(self._rules.values())

    def get(self, rule_id: str) -> Rule:
        """One rule by id (KeyError when unknown)."""
        return self._rules[rule_id]


REGISTRY = RuleRegistry()
_loaded = False


def register(cls: type[Rule]) -> type[Rule]:
    """Class decorator: instantiate the rule and add it to the global registry."""
    REGISTRY.add(cls())
    return cls


def load_rules() -> list[Rule]:
    """Import the built-in rule modules and third-party plugins once; return every rule."""
    global _loaded
    if not _loaded:
        from engage.diagnostics.analyze import rules as package

        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")
        for entry in entry_points(group=ENTRY_POINT_GROUP):
            entry.load()
        _loaded = True
    return REGISTRY.rules()


def _validate(rule: Rule) -> None:
    for attr in ("id", "title", "category", "severity", "explanation", "remediation", "docs"):
        if getattr(rule, attr, None) in (None, "", ()):
            raise RuleDefinitionError(f"{type(rule).__name__}: missing {attr}")
    if not _ID_RE.match(rule.id):
        raise RuleDefinitionError(f"rule id {rule.id!r} is not kebab-case")
    if rule.category not in CATEGORIES:
        raise RuleDefinitionError(f"{rule.id}: unknown category {rule.category!r}")
