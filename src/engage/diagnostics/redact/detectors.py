"""Detector types and the one registry every rule (built-in or third-party) is added to.

Two kinds of rules:

- :class:`PatternRule`: hyperscan ``triggers`` find candidate positions in one pass over big
  blocks; the precise Python ``pattern`` then runs only on the lines that were flagged, and the
  named group (``secret`` by default) is replaced by a token.
- :class:`KeyRule`: key names that hold secrets (``password``, ``clientSecret``,
  ``AWS_SECRET_ACCESS_KEY``...). One shared key/value scanner serves them in text, and the
  document walker uses them on JSON/YAML keys and on ``{name, value}`` pairs.

Built-ins live in :mod:`engage.diagnostics.redact.builtin` and call :func:`register` exactly as
a plugin would; plugins are modules named by the ``engage.redact.detectors`` entry point group.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Literal

from engage.diagnostics.redact.errors import RedactionError

RuleKind = Literal["secret", "pseudonym", "custom"]
MatchCheck = Callable[["re.Match[bytes]"], bool]
ENTRY_POINT_GROUP = "engage.redact.detectors"

_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def key_words(key: str) -> list[str]:
    """Lower-case words of a key: ``AWS_SECRET_ACCESS_KEY`` / ``secretAccessKey`` -> words."""
    return [w.lower() for part in re.split(r"[^A-Za-z0-9]+", key) for w in _CAMEL.findall(part)]


def normalize_key(key: str) -> str:
    """Key folded to lower-case letters and digits only (``client-secret`` -> ``clientsecret``)."""
    return "".join(key_words(key))


@dataclass(frozen=True)
class PatternRule:
    """A detector found by hyperscan triggers and confirmed by a precise Python regex."""

    name: str
    description: str
    triggers: tuple[str, ...]
    pattern: re.Pattern[bytes]
    group: str | int = "secret"
    check: MatchCheck | None = None
    digest_source: Callable[[bytes], bytes] | None = None
    caseless: bool = False
    multiline: bool = False
    in_logs: bool = True
    kind: RuleKind = "secret"
    priority: int = 50
    prefilter: bool = False  # triggers may use constructs hyperscan only takes as a prefilter
    keywords: tuple[str, ...] = ()  # caseless fallback triggers if hyperscan refuses `triggers`
    keyword_gated: bool = False  # applies only on lines where one of ``keywords`` occurs
    # hyperscan expressions for what the rule's ``check`` always rejects (a kept public domain):
    # a trigger hit ending where one of these ends is dropped before any line is flagged
    unless: tuple[str, ...] = ()
    token_name: str | None = None  # the rule named in tokens, when several rules share one
    # several secret spans in one match (every resource name in an Azure resource id); None:
    # the one span of ``group``
    spans: Callable[[re.Match[bytes]], list[tuple[int, int]]] | None = None
    # the characters of the token a match starts at, when ``pattern`` can only start after a
    # character outside them (its look-behind) and every match ends where a trigger hit ends:
    # the rule then runs only at its hits, from the start of the token each hit ends in,
    # instead of searching the whole line (host names and IPs on long flagged lines)
    token_chars: bytes = b""

    @property
    def token_rule(self) -> str:
        """The rule name written into this rule's tokens."""
        return self.token_name or self.name

    def secret_spans(self, m: re.Match[bytes]) -> list[tuple[int, int]]:
        """Spans of the parts of a match to replace, in order."""
        return self.spans(m) if self.spans is not None else [self.secret_span(m)]

    def secret_span(self, m: re.Match[bytes]) -> tuple[int, int]:
        """Span of the part of a match to replace."""
        try:
            return m.span(self.group)
        except IndexError:
            return m.span(0)


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of a text block."""
    return frozenset(text.split())


# Words after a secret word that make a key describe a secret instead of holding one:
# ``secretName``, ``token_ttl``, ``passwordFile``, ``secretKeyRef``...
METADATA_WORDS = word_set(
    """
name names file files path paths ref refs type types id ids ttl expiry expires expiration
expire expired lifetime validity length len size count url uri urls endpoint endpoints enabled
enable disabled disable required version versions dir directory mount mounts field fields format
header headers prefix suffix source sources provider providers mode policy policies rotation
timeout duration seconds secs ms min max at time date label labels selector selectors namespace
namespaces kind template annotation annotations store stores manager managers interval period
limit limits rate ratio location class backend engine reviewer reviewers hint hints list
generator generation status state metric metrics event events error errors audience audiences
config configs configuration settings options spec operator operators controller controllers
plugin plugins driver drivers reflector projection volume volumes refresher issuer
"""
)


@dataclass(frozen=True)
class KeyRule:
    """Key names whose values are secrets, e.g. ``client_secret`` or ``kubecostToken``.

    ``suffixes`` are written with separators (``secret_access_key``); a key matches when its
    normalised form ends with one of them or equals one of ``exact``. ``words`` match a word
    anywhere in the key unless a metadata word (``name``, ``file``, ``ttl``...) follows it.
    """

    name: str
    description: str
    suffixes: tuple[str, ...] = ()
    exact: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    priority: int = 50
    # words that name a secret only as the last word of a longer key (SMTP_PASS, DB_ROOT_PASS;
    # not bypass, pass_rate)
    last_words: tuple[str, ...] = ()
    strict: bool = False  # always mask (custom key names): no prose or placeholder heuristics
    _norm_suffixes: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _norm_exact: frozenset[str] = field(init=False, repr=False, compare=False)
    _word_set: frozenset[str] = field(init=False, repr=False, compare=False)
    _word_ends: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_norm_suffixes", tuple(normalize_key(s) for s in self.suffixes))
        object.__setattr__(self, "_norm_exact", frozenset(normalize_key(s) for s in self.exact))
        object.__setattr__(self, "_word_set", frozenset(self.words))
        # a word of 5+ letters also counts at the end of a longer one ("dbpassword")
        object.__setattr__(self, "_word_ends", tuple(w for w in self.words if len(w) >= 5))

    def matches(self, words: list[str]) -> bool:
        """True when a key (given as its words) names this kind of secret."""
        norm = "".join(words)
        if norm in self._norm_exact or (self._norm_suffixes and norm.endswith(self._norm_suffixes)):
            return True
        if self.last_words and len(words) > 1 and words[-1] in self.last_words:
            return True
        for i in range(len(words) - 1, -1, -1):
            if self._word_hit(words[i]):
                return not any(w in METADATA_WORDS for w in words[i + 1 :])
        return False

    def _word_hit(self, word: str) -> bool:
        return word in self._word_set or (bool(self._word_ends) and word.endswith(self._word_ends))

    def trigger_fragments(self) -> list[str]:
        """Hyperscan fragments (case-insensitive) that find these key names in text."""
        parts = list(self.suffixes) + list(self.exact) + list(self.words) + list(self.last_words)
        return [r"[_.\- ]?".join(re.escape(w) for w in key_words(p)) for p in parts]


Rule = PatternRule | KeyRule


class DetectorRegistry:
    """All known rules by name; built-ins and plugins register themselves here."""

    def __init__(self) -> None:
        self._rules: dict[str, Rule] = {}
        self._loaded = False

    def register(self, rule: Rule) -> Rule:
        """Add a rule; a second rule with the same name and type is refused."""
        if rule.name in self._rules and type(self._rules[rule.name]) is type(rule):
            raise RedactionError(f"a redaction rule named {rule.name!r} is already registered")
        key = rule.name if rule.name not in self._rules else f"{rule.name}#key"
        self._rules[key] = rule
        return rule

    def load(self) -> None:
        """Import the built-in detectors and any plugin modules (once)."""
        if self._loaded:
            return
        self._loaded = True
        importlib.import_module("engage.diagnostics.redact.builtin")
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            loaded = ep.load()
            if callable(loaded):
                loaded(self)

    def rules(self) -> list[Rule]:
        """Every rule registered so far (does not trigger loading)."""
        return list(self._rules.values())

    def pattern_rules(self, kinds: Iterable[RuleKind] = ("secret",)) -> list[PatternRule]:
        """Pattern rules of the given kinds, in priority order."""
        self.load()
        wanted = set(kinds)
        found = [r for r in self._rules.values() if isinstance(r, PatternRule) and r.kind in wanted]
        return sorted(found, key=lambda r: r.priority)

    def key_rules(self) -> list[KeyRule]:
        """Key rules in priority order (most specific first)."""
        self.load()
        return sorted(
            (r for r in self._rules.values() if isinstance(r, KeyRule)), key=lambda r: r.priority
        )

    def names(self) -> list[str]:
        """Every registered rule name."""
        self.load()
        return sorted({r.name for r in self._rules.values()})


registry = DetectorRegistry()


def register(rule: Rule) -> Rule:
    """Register a rule in the global registry (built-ins use this too)."""
    return registry.register(rule)
