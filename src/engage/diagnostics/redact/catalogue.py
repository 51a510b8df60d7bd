"""gitleaks' maintained rule catalogue (``data/gitleaks.toml``, MIT) loaded as pattern rules.

Each ``[[rules]]`` entry becomes a :class:`PatternRule`:

- its Go (RE2) regex is translated to Python ``re`` (mid-pattern ``(?i)`` scoped to its group,
  ``\\z``, POSIX classes) and confirms candidates line by line;
- the same regex is the hyperscan trigger, compiled in *prefilter* mode (hyperscan may widen
  what it matches, never narrow it). A rule whose regex hyperscan still refuses falls back to
  its ``keywords`` as caseless literal triggers, so Python ``re`` runs on keyword hits only;
  a rule with neither is left out and counted in :data:`CatalogueStats`;
- a few rules get a cheaper trigger (:data:`TRIGGER_OVERRIDES`): a part every match of the rule
  holds, so the same lines are candidates, without the regex's cost in every scan;
- as in gitleaks, a rule applies only where one of its keywords occurs (here: on the line);
- ``secretGroup`` (else the first capture group) is the part replaced; ``entropy`` is a
  minimum Shannon entropy; the global and per-rule allowlists (regexes on the secret, the
  match or the line; stopwords) drop placeholders. Path-only conditions are ignored: a bundle
  is not a source tree, so every rule applies to every file.
"""

from __future__ import annotations

import functools
import math
import re
import tomllib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any, cast

from engage.diagnostics.redact.detectors import PatternRule
from engage.diagnostics.redact.errors import RulesError

CATALOGUE_FILE = "gitleaks.toml"
# Rules engage already handles better: multi-line PEM keys (the body, not the header), JWTs
# (only the signature goes, header and claims stay readable), a file-name-only rule.
# ``generic-api-key`` (any "key/token/auth... = value") is left to engage's key rules, which
# know Kubernetes names: on real must-gathers it flagged ``podName:...`` and ``id=...``.
SKIPPED = frozenset({"private-key", "jwt", "pkcs12-file", "generic-api-key"})
# After engage's own token shapes (10-30) and key/value pairs (50, which name the finding
# after its key); the generic key/value rule of the catalogue last of all.
PRIORITY = 55
GENERIC_PRIORITY = 70
_FLAGS = re.compile(r"\(\?([a-zA-Z]+)\)")


@dataclass
class CatalogueStats:
    """How a catalogue loaded: rules kept and rules left out (by id)."""

    rules: int = 0
    skipped: list[str] = field(default_factory=list)


def shannon_entropy(value: bytes) -> float:
    """Bits per character of a value (gitleaks' ``entropy`` threshold)."""
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values()) if n else 0.0


def _structure(pattern: str, start: int = 0) -> Iterator[tuple[int, str]]:
    """(index, character) of a regex's structural characters from ``start``: escapes and
    character classes (``[]a]``, ``[^]a]`` included) are skipped."""
    i, in_class = start, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            i += 2 if pattern[i + 1 : i + 3] == "^]" else 1
            if pattern[i : i + 1] == "]":
                i += 1
            continue
        else:
            yield i, c
        i += 1


def _group_end(pattern: str, start: int) -> int:
    """Index of the ``)`` closing the group that contains ``start`` (or len(pattern))."""
    depth = 0
    for i, c in _structure(pattern, start):
        if c == "(":
            depth += 1
        elif c == ")":
            if depth == 0:
                return i
            depth -= 1
    return len(pattern)


# gitleaks' usual end of a secret: a quote, a blank, ";", an escaped newline or the end.
# Inside JSON kept in a JSON string (container logs) the quote is written \\\", so any
# backslash ends a secret too.
_TERMINATOR = r"""(?:[\x60'"\s;]|\\[nr]|$)"""
_TERMINATOR_ESCAPED = r"""(?:[\x60'"\s;\\]|$)"""


# ... and between a key and its value (``key=\\"value``) escaped quotes may stand too
_BETWEEN = {
    r"""[\x60'"\s=]{0,5}""": r"""(?:[\x60'"\s=]|\\{1,3}(?:[nrtbfv"/]|u00[0-9a-fA-F]{2})?){0,8}""",
    r"""[\s'"]{0,3}""": r"""(?:[\s'"]|\\{1,3}(?:[nrtbfv"/]|u00[0-9a-fA-F]{2})?){0,6}""",
}


def translate(pattern: str) -> str:
    """A Go RE2 pattern rewritten for Python ``re`` (same meaning on the inputs that matter)."""
    pattern = pattern.replace(_TERMINATOR, _TERMINATOR_ESCAPED)
    for go, wider in _BETWEEN.items():
        pattern = pattern.replace(go, wider)
    # a token right after an escaped newline ("\\nghp_...") starts a word too
    pattern = pattern.replace(r"\b", r"(?:\b|(?<=\\[nrt]))")
    pattern = pattern.replace(r"\z", r"\Z")
    pattern = pattern.replace("[[:alnum:]]", "[A-Za-z0-9]").replace("[:alnum:]", "A-Za-z0-9")
    pattern = pattern.replace("[:alpha:]", "A-Za-z").replace("[:digit:]", "0-9")
    while True:
        m = next((m for m in _FLAGS.finditer(pattern) if m.start() > 0), None)
        if m is None:
            return pattern
        end = _group_end(pattern, m.end())
        pattern = f"{pattern[: m.start()]}(?{m.group(1)}:{pattern[m.end() : end]}){pattern[end:]}"


@dataclass(frozen=True)
class Allow:
    """One allowlist entry: a finding it matches is not a secret."""

    regexes: tuple[re.Pattern[bytes], ...]
    stopwords: tuple[bytes, ...]
    target: str = "secret"  # or "match" / "line": what the regexes look at

    def __call__(self, m: re.Match[bytes], secret: bytes) -> bool:
        """True when the finding is allowed."""
        subject = {"match": m.group(0), "line": m.string}.get(self.target, secret)
        if any(r.search(subject) for r in self.regexes):
            return True
        lower = secret.lower()
        return any(w in lower for w in self.stopwords)


def _allow_checks(entries: Sequence[dict[str, Any]]) -> list[Allow]:
    """One predicate per allowlist entry (path-bound AND conditions cannot apply here)."""
    return [
        Allow(
            tuple(re.compile(translate(r).encode()) for r in entry.get("regexes", [])),
            tuple(w.lower().encode() for w in entry.get("stopwords", [])),
            str(entry.get("regexTarget", "secret")),
        )
        for entry in entries
        if not (entry.get("paths") and str(entry.get("condition", "OR")).upper() == "AND")
    ]


def capture_groups(pattern: str) -> int:
    """How many capturing groups a regular expression has (``re.compile(p).groups``)."""
    return sum(
        1
        for i, c in _structure(pattern)
        if c == "(" and (pattern[i + 1 : i + 2] != "?" or pattern[i + 1 : i + 4] == "?P<")
    )


class LazyPattern:
    """A regex compiled on first use: a run needs few of the catalogue's 218 (about 0.15 s of
    start-up otherwise, in every process). Compile errors surface when the catalogue loads."""

    def __init__(self, source: bytes) -> None:
        self.source = source
        self._compiled: re.Pattern[bytes] | None = None

    @property
    def compiled(self) -> re.Pattern[bytes]:
        """The compiled pattern."""
        if self._compiled is None:
            self._compiled = re.compile(self.source)
        return self._compiled

    def __getattr__(self, name: str) -> Any:
        return getattr(self.compiled, name)

    def __reduce__(self) -> tuple[Any, ...]:
        return (LazyPattern, (self.source,))


# rule id -> a trigger every match of the rule holds (so no candidate line is lost), for rules
# whose whole regex makes every scan slower: Kubernetes' "kind: secret ... data:" form (up to
# 200 characters of anything between) was 40 % of the hyperscan time on a must-gather. Its
# match has to be on one line here (rules run per line), and that line holds "kind: secret".
TRIGGER_OVERRIDES = {"kubernetes-secret-yaml": r"(?i)kind:[ \t]*[\"']?secret"}


def _rule(
    entry: dict[str, Any], global_allow: list[Allow], names: set[str], *, validate: bool
) -> PatternRule | None:
    regex = entry.get("regex")
    if not regex:
        return None
    source = translate(regex)
    if validate:  # a catalogue from a file; the packaged one is compiled whole by the tests
        try:
            re.compile(source.encode())
        except re.error as exc:
            raise RulesError(f"catalogue rule {entry['id']!r}: {exc}") from exc
    pattern = cast(re.Pattern[bytes], LazyPattern(source.encode()))
    group = int(entry.get("secretGroup", 0)) or (1 if capture_groups(source) else 0)
    entropy = float(entry.get("entropy", 0))
    checks = global_allow + _allow_checks(entry.get("allowlists", []))

    lowered = tuple(k.lower().encode() for k in entry.get("keywords", []) if k)

    def check(m: re.Match[bytes]) -> bool:
        # as in gitleaks, a rule only applies where one of its keywords occurs (here: the line)
        if lowered and not any(k in m.string.lower() for k in lowered):
            return False
        secret = m.group(group) or b""
        if len(secret) < 4 or (entropy and shannon_entropy(secret) < entropy):
            return False
        return not any(allowed(m, secret) for allowed in checks)

    keywords = tuple(re.escape(k) for k in entry.get("keywords", []) if k)
    name = entry["id"] if entry["id"] not in names else f"gitleaks-{entry['id']}"
    return PatternRule(
        name=name,
        description=str(entry.get("description", entry["id"]))[:200],
        triggers=(TRIGGER_OVERRIDES.get(entry["id"], source),),
        pattern=pattern,
        group=group,
        check=check,
        multiline=True,
        prefilter=True,
        keywords=keywords,
        keyword_gated=bool(keywords),
        priority=GENERIC_PRIORITY if entry["id"].startswith("generic") else PRIORITY,
    )


def parse_catalogue(
    data: dict[str, Any], taken: frozenset[str] = frozenset(), *, validate: bool = True
) -> tuple[list[PatternRule], CatalogueStats]:
    """Pattern rules from a parsed gitleaks TOML document (``taken``: names already in use).

    ``validate``: compile every regex now, so a bad one is an error at load, not during a run.
    """
    stats = CatalogueStats()
    allow = data.get("allowlist") or {}
    global_allow = _allow_checks([{k: v for k, v in allow.items() if k != "paths"}])
    rules: list[PatternRule] = []
    names = set(taken)
    for entry in data.get("rules", []):
        if not isinstance(entry, dict) or "id" not in entry:
            raise RulesError("catalogue: every [[rules]] entry needs an id")
        rule = (
            None if entry["id"] in SKIPPED else _rule(entry, global_allow, names, validate=validate)
        )
        if rule is None:
            stats.skipped.append(str(entry["id"]))
            continue
        names.add(rule.name)
        rules.append(rule)
        stats.rules += 1
    return rules, stats


def load_catalogue(
    path: Path | None = None, taken: frozenset[str] = frozenset()
) -> tuple[list[PatternRule], CatalogueStats]:
    """Load the packaged catalogue (or the TOML file at ``path``)."""
    try:
        raw = Path(path).read_bytes() if path else _packaged()
        data = tomllib.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RulesError(f"cannot load the rule catalogue: {exc}") from exc
    return parse_catalogue(data, taken, validate=path is not None)


@functools.lru_cache(maxsize=1)
def _packaged() -> bytes:
    return files("engage.diagnostics.redact").joinpath("data", CATALOGUE_FILE).read_bytes()
