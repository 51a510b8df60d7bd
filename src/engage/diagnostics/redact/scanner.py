"""One hyperscan database for every trigger of every rule: find candidates in one pass.

Each expression belongs to an *owner*: the index of a pattern rule, or one of the shared
scanners (key/value pairs, name/value pairs, structural hints for documents). The precise
Python work then only runs on the few lines where an owner fired.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import hyperscan

from engage.diagnostics.redact.detectors import KeyRule, PatternRule
from engage.diagnostics.redact.errors import RulesError

_HS_VERSION = version("hyperscan")
KV_OWNER = -1  # key: value / key=value / "key": "value" pairs
NV_OWNER = -2  # {"name": "DB_PASSWORD", "value": "..."} pairs (env, HAR headers)
STRUCT_OWNER = -3  # hints that a document needs structural redaction (Secret kind...)
FLAG_OWNER = -4  # a flag alone in a list ("- --password", "--token", "x"): the value follows
KEYWORD_BASE = 1 << 24  # KEYWORD_BASE + i: a keyword of pattern rule i (gitleaks' keywords)
UNLESS_BASE = 1 << 25  # UNLESS_BASE + i: cancels rule i's hits that end at the same offset

_SEP = r"[\"'\\]{0,3}[ \t]{0,4}(:=|=>|[:=>])"  # ">": an XML element (<password>...)
NV_TRIGGER = (
    r"(name[\"'\\]{0,3}[ \t]{0,3}[:=]|key[ \t]{0,3}=)[ \t]{0,3}[\"'\\]{0,3}[A-Za-z0-9_.\-]{0,60}"
    r"(pass|pwd|secret|token|key|credential|auth|cookie|session|signature)"
)
STRUCT_TRIGGERS = (
    r"kind[\"'\\]{0,3}[ \t]{0,3}:[ \t]{0,3}[\"'\\]{0,3}Secret",
    r"last-applied-configuration",
    r"HELM_VALUES",
)


@dataclass
class CompiledRules:
    """Rules compiled into one hyperscan database plus the owner of each expression."""

    pattern_rules: list[PatternRule]
    key_rules: list[KeyRule]
    owners: list[int] = field(default_factory=list)
    db: hyperscan.Database | None = None
    # rule index -> its keyword owner: as in gitleaks, such a rule only applies where one of
    # its keywords occurs too (a 40-hex commit id is no Sourcegraph token without "sgp_").
    # Keywords are reported once per scan: the scan gates per block (file), the rule's own
    # ``check`` per line.
    gated: dict[int, int] = field(default_factory=dict)
    # triggers of gated rules whose keywords are rare words (provider names: "sourcegraph",
    # "facebook"): a second database, scanned only over blocks where one of those keywords
    # occurs. The hits are the same as from one database; the common scan is cheaper (a 40-hex
    # trigger with no literal in it costs as much as dozens of rules with one).
    deferred_db: hyperscan.Database | None = None
    deferred_owners: list[int] = field(default_factory=list)
    deferred_keys: frozenset[int] = frozenset()  # keyword owners that call for that scan

    def gate(self, found: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """``found`` without keyword hits, and without hits of rules whose keyword is absent."""
        if not self.gated:
            return found
        present = {owner for _, owner in found if owner >= KEYWORD_BASE}
        gated = self.gated
        return [
            (end, owner)
            for end, owner in found
            if owner < KEYWORD_BASE and (owner not in gated or gated[owner] in present)
        ]

    def scan(self, data: bytes | memoryview) -> list[tuple[int, int]]:
        """(end offset, owner) of every trigger match in ``data``, in scan order."""
        found: list[tuple[int, int]] = []
        if self.db is None or not len(data):
            return found
        owners = self.owners
        special: list[tuple[int, int]] = []  # keyword and unless hits: few, kept apart

        def on_match(expr: int, start: int, end: int, flags: int, ctx: object) -> None:
            owner = owners[expr]
            (found if owner < KEYWORD_BASE else special).append((end, owner))

        self.db.scan(
            data,
            match_event_handler=on_match,  # type: ignore[type-var]
            scratch=self._scratch(self.db, "scratch"),
        )
        if not special:
            return found
        keys = self.deferred_keys
        if keys and self.deferred_db is not None and any(o in keys for _, o in special):
            deferred = self.deferred_owners

            def on_deferred(expr: int, start: int, end: int, flags: int, ctx: object) -> None:
                found.append((end, deferred[expr]))

            self.deferred_db.scan(
                data,
                match_event_handler=on_deferred,  # type: ignore[type-var]
                scratch=self._scratch(self.deferred_db, "deferred_scratch"),
            )
        cancelled = {(end, owner - UNLESS_BASE) for end, owner in special if owner >= UNLESS_BASE}
        if cancelled:
            found = [hit for hit in found if hit not in cancelled]
        found += [hit for hit in special if hit[1] < UNLESS_BASE]  # keywords: for the gate
        return found

    def _scratch(self, db: hyperscan.Database, name: str) -> hyperscan.Scratch:
        """This thread's scratch space for ``db``: hyperscan scratch must never be shared by
        two scans running at once, and one Redactor serves every thread of a collection run."""
        local = self.__dict__.setdefault("_local", threading.local())
        scratch = getattr(local, name, None)
        if scratch is None:
            scratch = db.scratch.clone()
            setattr(local, name, scratch)
        return scratch


def _expression(trigger: str, rule: PatternRule) -> tuple[bytes, int]:
    flags = hyperscan.HS_FLAG_CASELESS if rule.caseless else 0
    if rule.multiline:
        flags |= hyperscan.HS_FLAG_MULTILINE
    return trigger.encode("utf-8"), flags


def _rule_expressions(
    rule: PatternRule, prefilter: frozenset[str], *, checked: bool
) -> list[tuple[bytes, int]]:
    """(expression, flags) of a rule's triggers; keywords when hyperscan refuses a trigger."""
    out = []
    for trigger in rule.triggers:
        expr, flag = _expression(trigger, rule)
        if rule.name in prefilter or rule.prefilter:
            flag |= hyperscan.HS_FLAG_PREFILTER | hyperscan.HS_FLAG_ALLOWEMPTY
        out.append((expr, flag))
    if not checked or not rule.keywords or all(_compiles(e, f) for e, f in out):
        return out
    # e.g. a catalogue regex with a construct hyperscan has no prefilter form for: its
    # keywords find the candidate lines and Python ``re`` does the rest
    return [(k.encode(), hyperscan.HS_FLAG_CASELESS) for k in rule.keywords]


@functools.lru_cache(maxsize=4096)
def _compiles(expr: bytes, flags: int) -> bool:
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    try:
        db.compile(expressions=[expr], flags=[flags])
    except hyperscan.error:
        return False
    return True


def compile_rules(
    pattern_rules: Sequence[PatternRule],
    key_rules: Sequence[KeyRule],
    *,
    prefilter: frozenset[str] = frozenset(),
) -> CompiledRules:
    """Compile every trigger into one block-mode hyperscan database.

    ``prefilter`` names rules (custom regexes) whose triggers may use constructs hyperscan does
    not support; they are compiled in prefilter mode, which only widens the candidate set.
    """
    try:
        return _compile(pattern_rules, key_rules, prefilter, checked=False)
    except RulesError:
        # one trigger hyperscan refuses: check them one by one, keywords for the refused ones
        return _compile(pattern_rules, key_rules, prefilter, checked=True)


def _compile(
    pattern_rules: Sequence[PatternRule],
    key_rules: Sequence[KeyRule],
    prefilter: frozenset[str],
    *,
    checked: bool,
) -> CompiledRules:
    compiled = CompiledRules(list(pattern_rules), list(key_rules))
    expressions: list[bytes] = []
    flags: list[int] = []
    deferred: tuple[list[bytes], list[int]] = ([], [])
    deferred_keys: set[int] = set()
    for index, rule in enumerate(compiled.pattern_rules):
        triggers = _rule_expressions(rule, prefilter, checked=checked)
        defer = _deferrable(rule) and [e for e, _ in triggers] != [
            k.encode() for k in rule.keywords
        ]
        for expr, flag in triggers:
            if defer:
                deferred[0].append(expr)
                deferred[1].append(flag)
                compiled.deferred_owners.append(index)
                continue
            expressions.append(expr)
            flags.append(flag)
            compiled.owners.append(index)
        if defer:
            deferred_keys.add(KEYWORD_BASE + index)
        for unless in rule.unless:
            expressions.append(unless.encode())
            flags.append(_expression(unless, rule)[1])
            compiled.owners.append(UNLESS_BASE + index)
        keywords = [k.encode() for k in rule.keywords]
        if rule.keyword_gated and keywords and [e for e, _ in triggers] != keywords:
            compiled.gated[index] = KEYWORD_BASE + index
            for keyword in keywords:
                # presence in the scanned block is all the gate needs: one report per keyword
                # ("s." of Vault's rule occurs ~130,000 times in a must-gather)
                expressions.append(keyword)
                flags.append(hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_SINGLEMATCH)
                compiled.owners.append(KEYWORD_BASE + index)
    if compiled.key_rules:
        fragments = sorted({f for r in compiled.key_rules for f in r.trigger_fragments()})
        kv = "(" + "|".join(fragments) + r")[A-Za-z0-9_.\-]{0,80}" + _SEP
        flag_item = (
            r"[ \t\"'\[,]--?[A-Za-z0-9_.\-]{0,60}(" + "|".join(fragments) + r")"
            r"[A-Za-z0-9_.\-]{0,80}[\"'\\]{0,3}[ \t]*[,\r\n]"
        )
        for expr_text, owner in ((kv, KV_OWNER), (NV_TRIGGER, NV_OWNER), (flag_item, FLAG_OWNER)):
            expressions.append(expr_text.encode())
            flags.append(hyperscan.HS_FLAG_CASELESS)
            compiled.owners.append(owner)
    for trigger in STRUCT_TRIGGERS:
        expressions.append(trigger.encode())
        flags.append(0)
        compiled.owners.append(STRUCT_OWNER)
    compiled.db = _load(expressions, flags)
    if deferred[0]:
        compiled.deferred_db = _load(*deferred)
        compiled.deferred_keys = frozenset(deferred_keys)
    return compiled


def _load(expressions: list[bytes], flags: list[int]) -> hyperscan.Database:
    db = hyperscan.loadb(_serialized(tuple(expressions), tuple(flags)), hyperscan.HS_MODE_BLOCK)
    db.scratch = hyperscan.Scratch(db)
    return db


# keywords too common in support bundles to hold a rule's trigger back (see deferred_db): words,
# and catalogue keywords found in most files of the real must-gathers ("api-" in
# "kube-api-access", "dapi" in "readapi"...). Only speed depends on this list, never a result.
_COMMON_KEYWORDS = frozenset(
    {"secret", "password", "passwd", "token", "client", "access", "private", "bearer", "curl"}
    | {"api-", "dapi", "eaaa", "eaam", "eaac"}
)


def _deferrable(rule: PatternRule) -> bool:
    """A gated rule whose keywords are all rare words: its triggers can wait for them."""
    if not rule.keyword_gated or not rule.keywords:
        return False
    words = [re.sub(r"\\(.)", r"\1", k).lower() for k in rule.keywords]
    return all(len(w) >= 4 and w not in _COMMON_KEYWORDS for w in words)


def _cache_file(expressions: tuple[bytes, ...], flags: tuple[int, ...]) -> Path | None:
    base = os.environ.get("ENGAGE_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path.home() / ".cache"
    digest = hashlib.sha256(repr((expressions, flags, _HS_VERSION)).encode())
    return root / "engage" / f"redact-{digest.hexdigest()[:32]}.hsdb"


@functools.lru_cache(maxsize=32)
def _serialized(expressions: tuple[bytes, ...], flags: tuple[int, ...]) -> bytes:
    """Compile once per rule set (about 2 s with the catalogue), kept in the user's cache
    folder so the next run loads it in milliseconds; every Redactor loads its own copy."""
    cache = _cache_file(expressions, flags)
    with contextlib.suppress(OSError):
        if cache is not None and cache.is_file():
            return cache.read_bytes()
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    try:
        db.compile(
            expressions=list(expressions),
            ids=list(range(len(expressions))),
            elements=len(expressions),
            flags=list(flags),
        )
    except hyperscan.error as exc:
        raise RulesError(f"a rule pattern cannot be compiled for scanning: {exc}") from exc
    data = bytes(hyperscan.dumpb(db))
    with contextlib.suppress(OSError):
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            partial = cache.with_suffix(f".{os.getpid()}.partial")
            partial.write_bytes(data)
            os.replace(partial, cache)
    return data
