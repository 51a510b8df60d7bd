"""Precise redaction of one flagged line, and the states that span several lines.

Multi-line states: the body of a PEM key, the continuation lines of an INI/YAML key whose value
starts on the next line, and the ``value`` line that follows a secret ``name`` line.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

from engage.diagnostics.redact.builtin.keys import (
    PEM_BEGIN,
    PEM_END,
    looks_like_key_material,
    pem_digest_source,
)
from engage.diagnostics.redact.pairs import (
    FLAG_VALUE_RE,
    NAME_RE,
    KeyClassifier,
    PairScanner,
    is_file_path,
    is_placeholder,
)
from engage.diagnostics.redact.scanner import (
    FLAG_OWNER,
    KV_OWNER,
    NV_OWNER,
    STRUCT_OWNER,
    CompiledRules,
)
from engage.diagnostics.redact.tokens import Pseudonymizer, contains_token

LONG_LINE = 64 << 10
LINE_CACHE_LINE = 1024  # lines up to this long are remembered...
LINE_CACHE_BYTES = 8 << 20  # ...up to this many bytes of lines and results per process
WINDOW_BEFORE, WINDOW_AFTER = 8192, 512
_NESTED_RULES = frozenset({"password", "token"})
_NESTED_VALUE = re.compile(
    rb"[ \t]*(?:-[ \t]+)?[\"']?(?P<key>[\w.\-]+)[\"']?[ \t]*:[ \t]*(?P<value>[^\r\n]*)"
)
_SCHEMA_KEYS = frozenset(
    b"type description properties items format default enum example nullable pattern "
    b"minlength maxlength minimum maximum required name key path optional".split()
)
_MAPPING_LINE = re.compile(rb"[ \t]*(?:-[ \t]+)?[\"']?[\w.\-]+[\"']?[ \t]*[:=]")
PEM_RULE = "private-key"
KEY_BEFORE_MAX = 256
# how far before a hit a rule run at its hits looks for the token's start (a host name is at
# most 253 characters); a longer token falls back to the whole-line search
HIT_TOKEN_MAX = 1024
_KEY_RUN = re.compile(rb"[A-Za-z0-9_.\-]+")  # key characters (matched on reversed text)


class Counter(Protocol):
    """Receives one count per replaced value."""

    def add(self, rule: str) -> None:
        """Count one replacement by ``rule``."""


class LineState(Protocol):
    """A multi-line state; ``feed`` returns (handled line or None to process normally, open)."""

    def feed(self, line: bytes) -> tuple[bytes | None, bool]:
        """Handle the next line."""


def _split_eol(line: bytes) -> tuple[int, bytes, bytes]:
    body = line.rstrip(b"\r\n")
    indent = len(body) - len(body.lstrip(b" \t"))
    return indent, body[indent:], line[len(body) :]


class PemBody:
    """Inside ``-----BEGIN ... PRIVATE KEY-----``: the first body line becomes the token."""

    def __init__(self, redactor: LineRedactor) -> None:
        self.redactor = redactor
        self.first = True

    def feed(self, line: bytes) -> tuple[bytes | None, bool]:
        """Replace key material until the END line."""
        if PEM_END.search(line) is not None:
            return line, False
        indent, content, eol = _split_eol(line)
        if not content.strip() or contains_token(content):
            return line, True
        if not self.first:
            return line[:indent] + eol, True
        if not looks_like_key_material(content):
            return line, True
        self.first = False
        token = self.redactor.mask(PEM_RULE, pem_digest_source(content))
        return line[:indent] + token + eol, True


class Continuation:
    """Indented lines that carry the value of a secret key (INI continuation, YAML ``|``)."""

    def __init__(self, redactor: LineRedactor, rule: str, indent: int, block_scalar: bool) -> None:
        self.redactor, self.rule = redactor, rule
        self.indent, self.block_scalar = indent, block_scalar

    def feed(self, line: bytes) -> tuple[bytes | None, bool]:
        """Mask deeper-indented value lines; stop at the first line that is not one."""
        indent, content, eol = _split_eol(line)
        if not content.strip():
            return line, True
        if indent <= self.indent:
            return None, False
        if not self.block_scalar and _MAPPING_LINE.match(line):
            return self._nested(line)
        if content[:1] in (b"#", b";") or is_placeholder(content.strip()):
            return line, True
        if not self.block_scalar and content[:2] == b"- ":
            # an item of a YAML list under the key: the item goes, the list stays a list
            value = content[2:].strip()
            if not value or is_placeholder(value):
                return line, True
            start = indent + len(content) - len(content[2:].lstrip())
            return line[:start] + self.redactor.mask(self.rule, value) + eol, True
        return line[:indent] + self.redactor.mask(self.rule, content.rstrip()) + eol, True

    def _nested(self, line: bytes) -> tuple[bytes | None, bool]:
        """``password:`` then ``  secure: <value>``: the nested values are the secret.

        Only under password and token keys: ``secret:`` is also the Kubernetes volume source
        (``secretName``, ``items``...) and ``encryptionKey:`` often a block of references.
        """
        if self.rule not in _NESTED_RULES:
            return None, False
        m = _NESTED_VALUE.match(line)
        if m is not None and m.group("key").lower() in _SCHEMA_KEYS:
            return None, False  # an OpenAPI schema (CRDs): "token:" describes, not holds
        raw = m.group("value").strip() if m is not None else b""
        if m is None or not raw or is_placeholder(raw) or is_file_path(raw):
            return line, True
        value = m.group("value").rstrip()
        end = m.start("value") + len(value)
        return line[: m.start("value")] + self.redactor.mask(self.rule, value) + line[end:], True


class PendingValue:
    """After ``name: DB_PASSWORD`` the ``value:`` is on one of the next two lines."""

    def __init__(self, redactor: LineRedactor, rule: str) -> None:
        self.redactor, self.rule, self.left = redactor, rule, 2

    def feed(self, line: bytes) -> tuple[bytes | None, bool]:
        """Mask the value line if it comes before another name or the budget runs out."""
        if NAME_RE.search(line) is not None:
            return None, False
        new, found = self.redactor.pairs.value_after(line, 0, self.rule)
        if found:
            return new, False
        self.left -= 1
        return None, self.left > 0


class FlagValue:
    """After ``- --password`` as a list item, the next item of the list is its value."""

    def __init__(self, redactor: LineRedactor, rule: str, indent: int) -> None:
        self.redactor, self.rule, self.indent = redactor, rule, indent

    def feed(self, line: bytes) -> tuple[bytes | None, bool]:
        """Mask the next item if it is a value (not another flag); done either way."""
        indent, content, _eol = _split_eol(line)
        if not content.strip():
            return line, True
        m = FLAG_VALUE_RE.fullmatch(line)
        if m is None or indent != self.indent:
            return None, False
        token = self.redactor.pairs.flag_value(self.rule, m.group("value"))
        if token is None:
            return None, False
        return line[: m.start("value")] + token + line[m.end("value") :], False


class _Recorder:
    """Forwards counts to the file's counter and remembers which rules counted."""

    def __init__(self, counter: Counter | None) -> None:
        self.counter = counter
        self.rules: list[str] = []

    def add(self, rule: str) -> None:
        """Count one replacement by ``rule``."""
        self.rules.append(rule)
        if self.counter is not None:
            self.counter.add(rule)


def _windows(ends: list[int], size: int) -> list[tuple[int, int]]:
    """Merged, disjoint [start, end) windows around hit end offsets (a hit ends its match)."""
    merged: list[tuple[int, int]] = []
    for end in sorted(ends):
        lo, hi = max(0, end - WINDOW_BEFORE), min(size, end + WINDOW_AFTER)
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


class LineRedactor:
    """Runs the precise rules whose triggers fired on a line, in priority order."""

    def __init__(
        self,
        compiled: CompiledRules,
        pseudonymizer: Pseudonymizer,
        classifier: KeyClassifier | None = None,
    ) -> None:
        self.compiled = compiled
        self.pseudonymizer = pseudonymizer
        self.classifier = classifier or KeyClassifier(compiled.key_rules)
        self.pairs = PairScanner(self.classifier, self.mask)
        self._local = threading.local()  # the file being redacted, per thread
        self._priority = {i: r.priority for i, r in enumerate(compiled.pattern_rules)}
        # JSON objects holding a Secret (audit logs, applied objects) first, while they parse
        self._priority.update({KV_OWNER: 50, NV_OWNER: 51, FLAG_OWNER: 52, STRUCT_OWNER: -1})
        # walks the JSON objects of a line as documents (set by the Redactor); None: not done
        self.structured: Callable[[bytes], bytes] | None = None
        self._pem = next(
            (i for i, r in enumerate(compiled.pattern_rules) if r.name == PEM_RULE), None
        )
        # rule index -> how to find, from a hit's end, the start of the token the match starts
        # at (on the reversed text: at most two characters that end it, then the token's run)
        self.at_hits: dict[int, re.Pattern[bytes]] = {
            i: re.compile(rb"[^" + r.token_chars + rb"]{0,2}[" + r.token_chars + rb"]*")
            for i, r in enumerate(compiled.pattern_rules)
            if r.token_chars
        }
        self._line_cache: dict[tuple[bytes, frozenset[int]], tuple[bytes, tuple[str, ...]]] = {}
        self._line_cache_bytes = 0

    @property
    def counter(self) -> Counter | None:
        """Where this thread's findings are counted (the file it is redacting)."""
        return getattr(self._local, "counter", None)

    @counter.setter
    def counter(self, value: Counter | None) -> None:
        self._local.counter = value

    def mask(self, rule: str, value: bytes) -> bytes:
        """Token for a secret value, counted against the current file."""
        if self.counter is not None:
            self.counter.add(rule)
        return self.pseudonymizer.token(rule, value)

    def redact_line(
        self, line: bytes, owners: Iterable[int] | Mapping[int, list[int] | None]
    ) -> tuple[bytes, LineState | None]:
        """Redact one line; return it and a multi-line state it opened, if any.

        ``owners`` may map each owner to the end offsets of its hits in the line: on a very
        long line a rule's regex then runs only in windows around those hits.

        Bundles repeat lines (the same ``hostIP:`` in every pod, the same log line in every
        replica): a short line that opened no state is remembered with the rules it counted,
        and a repeat is answered from memory, counted again (tokens depend only on the value).
        """
        if len(line) > LINE_CACHE_LINE:
            return self._redact_line(line, owners)
        key = (line, frozenset(owners))
        cache = self._line_cache
        cached = cache.get(key)
        counter = self.counter
        if cached is not None:
            if counter is not None:
                for rule in cached[1]:
                    counter.add(rule)
            return cached[0], None
        recorder = _Recorder(counter)
        self.counter = recorder
        try:
            out, state = self._redact_line(line, owners)
        finally:
            self.counter = counter
        if state is None and self._line_cache_bytes < LINE_CACHE_BYTES:
            cache[key] = (out, tuple(recorder.rules))
            self._line_cache_bytes += len(line) + len(out) + 200  # with the tuple and key set
        return out, state

    def _redact_line(
        self, line: bytes, owners: Iterable[int] | Mapping[int, list[int] | None]
    ) -> tuple[bytes, LineState | None]:
        state: LineState | None = None
        ends = owners if isinstance(owners, Mapping) else {}
        before = line
        for owner in sorted(set(owners), key=self._priority.__getitem__):
            if line is not before and len(line) > LONG_LINE:
                # an earlier rule changed the line: the hit offsets moved with it
                ends, before = self._hit_ends(line), line
            if owner >= 0 and owner in self.at_hits and ends.get(owner) is not None:
                # hit offsets known (the text pass keeps them for these rules); without them
                # the rule searches the whole line below
                if line is not before:  # an earlier rule changed the line: find the hits again
                    ends, before = self._hit_ends(line), line
                line = self._apply_at_hits(owner, line, ends.get(owner) or [])
            elif owner >= 0:
                line = self._apply_windows(owner, line, ends.get(owner))
            elif owner == KV_OWNER:
                # the offsets hold until an earlier rule changes the line
                if line is before and not self._secret_key_hit(line, ends.get(KV_OWNER)):
                    continue
                line, hit = self.pairs.key_values(line)
                if hit is not None:
                    indent = len(line) - len(line.lstrip(b" \t"))
                    state = Continuation(self, hit.rule, indent, hit.block_scalar)
            elif owner == NV_OWNER:
                line, pending = self.pairs.name_values(line)
                if pending is not None:
                    state = PendingValue(self, pending)
            elif owner == FLAG_OWNER:
                line, flag_rule = self.pairs.flag_values(line)
                if flag_rule is not None:
                    state = FlagValue(self, flag_rule, len(line) - len(line.lstrip(b" \t")))
            elif owner == STRUCT_OWNER and self.structured is not None:
                line = self.structured(line)
        if self._pem is not None and self._pem in owners:
            begins = list(PEM_BEGIN.finditer(line))
            if begins and PEM_END.search(line, begins[-1].end()) is None:
                state = PemBody(self)
        return line, state

    def _secret_key_hit(self, line: bytes, ends: list[int] | None) -> bool:
        """Whether a key the key/value trigger ended at names a secret (True when unsure).

        The trigger fires on every key holding a fragment such as ``secret`` or ``token``;
        ``secretName:`` and ``tokenFile:`` are most of them, and the pair scan of the whole
        line is the costly part. The key right before each hit's separator is classified first.
        """
        if not ends or len(line) > LONG_LINE:
            return True
        classify = self.classifier.classify
        for end in ends:
            lo = max(0, end - KEY_BEFORE_MAX)
            # back over the separator, blanks and quotes, then the key's characters
            head = line[lo:end].rstrip(b":=>").rstrip(b" \t").rstrip(b"\"'\\")
            m = _KEY_RUN.match(head[::-1])
            if m is None or (m.end() == len(head) and lo > 0):
                return True
            if classify(m.group(0)[::-1]) is not None:
                return True
        return False

    def _hit_ends(self, line: bytes) -> dict[int, list[int] | None]:
        """Owner -> end offsets of its trigger hits in ``line``."""
        found: dict[int, list[int] | None] = {}
        for end, owner in self.compiled.scan(line):
            ends = found.get(owner)
            if ends is None:
                ends = found[owner] = []
            ends.append(end)
        return found

    def _apply_windows(self, index: int, line: bytes, ends: list[int] | None) -> bytes:
        """Apply a rule to a line, or to windows around its hits when the line is very long."""
        if not ends or len(line) <= LONG_LINE:
            return self._apply(index, line)
        pieces, last = [], 0
        for start, end in _windows(ends, len(line)):
            pieces += [line[last:start], self._apply(index, line[start:end])]
            last = end
        pieces.append(line[last:])
        return b"".join(pieces)

    def _apply_at_hits(self, index: int, line: bytes, ends: list[int]) -> bytes:
        """A rule with ``token_chars`` run only at its hits: the same replacements as
        :meth:`_apply` (every match starts at a token's start and ends where a hit ends), without
        searching the rest of the line."""
        back = self.at_hits[index]
        pattern = self.compiled.pattern_rules[index].pattern
        replace = self._replacer(index)
        pieces: list[bytes] = []
        last = 0
        for end in sorted(set(ends)):
            lo = max(0, end - HIT_TOKEN_MAX)
            run = back.match(line[lo:end][::-1])
            start = end - (run.end() if run is not None else 0)  # it always matches (maybe "")
            if start == lo and lo > 0:  # a token longer than the look-back: the slow way
                return self._apply(index, line)
            if start < last:
                continue  # in the token of an earlier hit
            m = pattern.match(line, start)
            if m is None:
                continue
            pieces += [line[last : m.start()], replace(m)]
            last = m.end()
        if not pieces:
            return line
        pieces.append(line[last:])
        return b"".join(pieces)

    def _apply(self, index: int, line: bytes) -> bytes:
        return self.compiled.pattern_rules[index].pattern.sub(self._replacer(index), line)

    def _replacer(self, index: int) -> Callable[[re.Match[bytes]], bytes]:
        rule = self.compiled.pattern_rules[index]
        check, digest, token_rule = rule.check, rule.digest_source, rule.token_rule

        def replace(m: re.Match[bytes]) -> bytes:
            whole = m.group(0)
            if rule.spans is None:  # one secret span: the common case, kept lean
                start, end = rule.secret_span(m)
                if start < 0 or start == end:
                    return whole
                secret = m.string[start:end]
                if contains_token(secret) or (check is not None and not check(m)):
                    return whole
                offset = m.start()
                token = self.mask(token_rule, digest(secret) if digest else secret)
                return whole[: start - offset] + token + whole[end - offset :]
            spans = [
                (start, end)
                for start, end in rule.spans(m)
                if 0 <= start < end and not contains_token(m.string[start:end])
            ]
            if not spans or (check is not None and not check(m)):
                return whole
            pieces, last, offset = [], 0, m.start()
            for start, end in spans:
                secret = m.string[start:end]
                pieces += [
                    whole[last : start - offset],
                    self.mask(token_rule, digest(secret) if digest else secret),
                ]
                last = end - offset
            pieces.append(whole[last:])
            return b"".join(pieces)

        return replace
