"""The rule contract: metadata plus a log-line matcher and/or a state matcher.

A rule file defines one subclass of `Rule` and registers it with `@register`. Log-line
patterns of every rule are compiled into one hyperscan database by the engine; `confirm`
then runs only on the lines hyperscan flagged. State matchers (`evaluate`) look at Kubernetes
objects, Helm values and diagnostic endpoint JSON of one instance.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from engage.diagnostics.analyze.model import Instance, Severity
from engage.diagnostics.versions import DetectedVersion


class Tier(enum.IntEnum):
    """Which log rules win when several flag the same line: benign > specific > fallback."""

    FALLBACK = 0
    SPECIFIC = 1
    BENIGN = 2


@dataclass(frozen=True)
class Hit:
    """One occurrence of a rule: where, what, and when (UTC ISO time when known)."""

    path: str
    line: int | None
    excerpt: str
    when: str | None = None
    also: tuple[str, ...] = ()  # other rules that matched the same line (folded in)


@dataclass
class InstanceData:
    """Non-log inputs of one Kubecost instance, for state matchers."""

    instance: Instance
    objects: dict[str, list[tuple[str, dict[str, Any]]]] = field(default_factory=dict)
    values: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    api: dict[str, tuple[str, Any]] = field(default_factory=dict)
    mcd: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    versions: list[tuple[str, DetectedVersion]] = field(default_factory=list)
    all_pods_are_kubecost: bool = False

    def items(self, kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """Objects of one kind (pods, events, pvcs, ...) with the file they came from."""
        yield from self.objects.get(kind, [])

    def kubecost_pods(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Pods that belong to Kubecost (all pods of an engage bundle's namespace)."""
        from engage.diagnostics.analyze.kube import is_kubecost_pod

        for path, pod in self.items("pods"):
            if self.all_pods_are_kubecost or is_kubecost_pod(pod):
                yield path, pod

    def kubecost_events(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Events about Kubecost objects (all events of an engage bundle's namespace)."""
        from engage.diagnostics.analyze.kube import is_kubecost_event

        for path, event in self.items("events"):
            if self.all_pods_are_kubecost or is_kubecost_event(event):
                yield path, event


class Rule:
    """Base class of analyzer rules; subclasses set the metadata class attributes."""

    id: ClassVar[str]
    title: ClassVar[str]
    category: ClassVar[str]
    severity: ClassVar[Severity]
    explanation: ClassVar[str]
    remediation: ClassVar[str]
    docs: ClassVar[tuple[str, ...]]
    versions: ClassVar[str | None] = None  # PEP 440 specifier, e.g. ">=2.0,<3.0"
    flavours: ClassVar[frozenset[str] | None] = None
    patterns: ClassVar[tuple[str, ...]] = ()  # hyperscan regexes over one log line
    caseless: ClassVar[bool] = False
    tier: ClassVar[Tier] = Tier.SPECIFIC
    kubecost_only: ClassVar[bool] = True  # skip logs of known non-Kubecost workloads
    confirm_regex: ClassVar[str | None] = None  # precise Python check on flagged lines
    exclude_regex: ClassVar[str | None] = None  # flagged lines matching this are dropped
    # when several rules of one tier match a line, the highest specificity wins, then the
    # longest matched text; the others are folded into the winner's finding
    specificity: ClassVar[int] = 0
    # generic wording (connection refused, access denied) that other workloads print too: only
    # applied to Kubecost's logs, tools next to it, and a file given alone
    generic: ClassVar[bool] = False
    # literal words that flag a line for the rule database when it carries neither an error
    # level nor a failure word (e.g. "spot feed"): the first scanning stage looks only for
    # levels, failure words and these anchors
    anchors: ClassVar[tuple[str, ...]] = ()

    _confirm: re.Pattern[str] | None = None
    _exclude: re.Pattern[str] | None = None

    def __init__(self) -> None:
        """Compile the confirm and exclude regexes."""
        flags = re.IGNORECASE if self.caseless else 0
        if self.confirm_regex:
            self._confirm = re.compile(self.confirm_regex, flags)
        if self.exclude_regex:
            self._exclude = re.compile(self.exclude_regex, flags)

    def confirm(self, line: str) -> bool:
        """Precise check of a line that hyperscan flagged (default: confirm/exclude regexes)."""
        if self._exclude is not None and self._exclude.search(line):
            return False
        return self._confirm is None or bool(self._confirm.search(line))

    def evaluate(self, data: InstanceData) -> Iterable[Hit]:
        """State matcher over one instance's objects, values and endpoint JSON."""
        return ()

    def applies_to(self, instance: Instance) -> bool:
        """Whether the rule is meant for this instance's version and flavour."""
        known = instance.flavour != "unknown"
        if self.flavours and known and instance.flavour not in self.flavours:
            return False
        if not self.versions or not instance.version:
            return True
        try:
            return Version(instance.version) in SpecifierSet(self.versions, prereleases=True)
        except (InvalidVersion, InvalidSpecifier):
            return True


def dig(obj: Any, *keys: str, default: Any = None) -> Any:
    """Nested lookup in dicts: dig(values, "global", "clusterId")."""
    for key in keys:
        if not isinstance(obj, Mapping) or key not in obj:
            return default
        obj = obj[key]
    return obj


def unwrap(obj: Any) -> Any:
    """Kubecost API responses wrap payloads as {"code": 200, "data": ...}: return the data."""
    if (
        isinstance(obj, Mapping)
        and "data" in obj
        and set(obj) <= {"code", "data", "message", "status", "warning"}
    ):
        return obj["data"]
    return obj
