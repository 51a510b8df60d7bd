"""Known-value propagation: once a value is secret anywhere in a run, it goes everywhere.

A cookie masked in a ``Cookie`` header, a password found as ``password=...``, a Kubernetes
Secret's decoded data: every other occurrence of that exact value, in any file of the run
(a URL, a JavaScript body, another header, a file redacted before the value was found), is
replaced by the same token, as ``sos clean`` and must-gather-clean do. The forms looked for
are the value itself, its URL encoding, its JSON-string escaping and its base64 encoding.

It is a second, literal pass: one hyperscan database of every known form finds the few files
and lines that hold one; Python only rewrites those.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote, quote_plus

import hyperscan

from engage.diagnostics.redact.detectors import PatternRule
from engage.diagnostics.redact.lines import LineRedactor, LineState
from engage.diagnostics.redact.scanner import CompiledRules
from engage.diagnostics.redact.tokens import KNOWN_RULE, Pseudonymizer, contains_token

MIN_LENGTH = 8  # shorter values ("admin", "true") are ordinary words
LONG_ENOUGH = 10  # from this length a value is replaced anywhere, not only as a whole word
_PUBLIC = (b"-----BEGIN CERTIFICATE", b"-----BEGIN PUBLIC KEY", b"ssh-rsa ", b"ssh-ed25519 ")
_WORD = re.compile(rb"[A-Za-z0-9]")


# where a value comes from says it is a credential whatever it looks like (a cookie of digits)
TRUSTED_SOURCES = frozenset(
    {"cookie", "authorization-header", "token-header", "url-token-param", "k8s-secret-data"}
)

# rules whose long numbers are identities (Azure deployment operations, AWS accounts): a number
# that long elsewhere in the run is the same id, not a count
NUMERIC_ID_SOURCES = frozenset({"azure-resource", "aws-account"})
NUMERIC_ID_LENGTH = 12


def propagatable(value: bytes, rule: str = "") -> bool:
    """Values worth looking for elsewhere: long enough, random-looking, one word, not public.

    A false positive of the main pass (``type: string`` under a ``token:`` key) must not be
    spread over the whole bundle: words, prose and low-variety values stay where they are.
    Values from a credential slot (a cookie, an Authorization header) only need to be long.
    """
    if len(value) < MIN_LENGTH or contains_token(value) or value.startswith(_PUBLIC):
        return False
    if len(set(value)) < 5:
        return False
    if any(c in b" \t\r\n" for c in value) and _is_text(value):
        return False  # prose; in binary data (a decoded Helm release) such bytes mean nothing
    if rule in TRUSTED_SOURCES:
        return True
    if rule in NUMERIC_ID_SOURCES and value.isdigit() and len(value) >= NUMERIC_ID_LENGTH:
        return True  # an operation or account number: in an "operationId" field it is the same
    classes = (
        any(97 <= c <= 122 for c in value)
        + any(65 <= c <= 90 for c in value)
        + any(48 <= c <= 57 for c in value)
        + any(not (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122) for c in value)
    )
    return classes >= 2


def _is_text(value: bytes) -> bool:
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def forms(value: bytes) -> list[bytes]:
    """The value as written, URL-encoded and base64-encoded (when those differ)."""
    found = [value]
    text = value.decode("utf-8", "surrogateescape")
    # from the bytes: a value that is not UTF-8 (decoded Secret data) is encoded as it is
    for encoded in (quote(value, safe=""), quote_plus(value, safe="")):
        raw = encoded.encode("ascii")
        if raw != value and raw not in found:
            found.append(raw)
    escaped = json.dumps(text, ensure_ascii=False)[1:-1].encode("utf-8", "surrogateescape")
    if escaped != value:
        found.append(escaped)  # inside a JSON string: "\n", "\"" and "\\" escapes
    if len(value) >= 8:
        found.append(base64.b64encode(value).rstrip(b"="))
    return found


def whole_word(data: bytes, start: int, end: int) -> bool:
    """Short values only count as whole words: ``s3cret1`` is not inside ``as3cret12``."""
    if end - start >= LONG_ENOUGH:
        return True
    head_word = _WORD.match(data, start, start + 1)
    tail_word = _WORD.match(data, end - 1, end)
    before = start > 0 and _WORD.match(data, start - 1, start) is not None
    after = end < len(data) and _WORD.match(data, end, end + 1) is not None
    return not (head_word and before) and not (tail_word and after)


def known_replacements(known: dict[bytes, bytes]) -> dict[bytes, bytes]:
    """Each form of each propagatable known value -> the value's own token."""
    replacements: dict[bytes, bytes] = {}
    for value, token in known.items():
        if not propagatable(value, _rule_of(token)):
            continue
        for i, form in enumerate(forms(value)):
            # a base64 form gets a base64 token, so base64 text stays valid base64
            b64 = i > 0 and form == base64.b64encode(value).rstrip(b"=")
            replacements.setdefault(form, base64.b64encode(token).rstrip(b"=") if b64 else token)
    return replacements


def _rule_of(token: bytes) -> str:
    """``«redacted:cookie:1a2b3c»`` -> ``cookie``."""
    return token.decode("utf-8", "replace").split(":")[1] if b":" in token else ""


class LiteralReplacer:
    """Every known form in a text, replaced by its token in one hyperscan pass.

    The database is compiled with start-of-match reporting, so each match comes with its exact
    span: overlapping candidates are settled leftmost-longest in Python and no regular
    expression runs at all (a Python alternation of thousands of values costs ~0.5 ms a line).
    """

    def __init__(self, replacements: dict[bytes, bytes]) -> None:
        self.literals = sorted(replacements, key=len, reverse=True)
        self.tokens = [replacements[v] for v in self.literals]
        self.db: hyperscan.Database | None = None
        if self.literals:
            db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            db.compile(
                expressions=self.literals,
                ids=list(range(len(self.literals))),
                elements=len(self.literals),
                flags=hyperscan.HS_FLAG_SOM_LEFTMOST,
                literal=True,
            )
            db.scratch = hyperscan.Scratch(db)
            self.db = db
            self._scratch = db.scratch

    def spans(self, data: bytes) -> list[tuple[int, int, int]]:
        """(start, end, literal index) of the replacements, left to right, not overlapping."""
        found: list[tuple[int, int, int]] = []
        if self.db is None or not data:
            return found

        def on_match(index: int, start: int, end: int, flags: int, ctx: object) -> None:
            found.append((start, -end, index))

        self.db.scan(data, match_event_handler=on_match, scratch=self._scratch)
        found.sort()
        chosen: list[tuple[int, int, int]] = []
        pos = 0
        for start, neg_end, index in found:
            end = -neg_end
            if start >= pos and whole_word(data, start, end):
                chosen.append((start, end, index))
                pos = end
        return chosen

    def replace(self, data: bytes) -> tuple[bytes, int]:
        """``data`` with every known form replaced, and how many were replaced."""
        chosen = self.spans(data)
        if not chosen:
            return data, 0
        pieces, pos = [], 0
        for start, end, index in chosen:
            pieces += [data[pos:start], self.tokens[index]]
            pos = end
        pieces.append(data[pos:])
        return b"".join(pieces), len(chosen)


class KnownLines(LineRedactor):
    """The line redactor of the literal pass over compressed files and tarball members."""

    def __init__(self, compiled: CompiledRules, replacer: LiteralReplacer) -> None:
        super().__init__(compiled, Pseudonymizer(b"known-value-pass"))
        self.replacer = replacer

    def redact_line(
        self, line: bytes, owners: Iterable[int] | Mapping[int, list[int] | None]
    ) -> tuple[bytes, LineState | None]:
        """Replace the known forms of a flagged line."""
        new, count = self.replacer.replace(line)
        for _ in range(count):
            if self.counter is not None:
                self.counter.add(KNOWN_RULE)
        return new, None


def known_rule(literals: Iterable[bytes]) -> PatternRule | None:
    """One literal trigger rule for all these literals (None when there is none)."""
    ordered = sorted(set(literals), key=len, reverse=True)
    if not ordered:
        return None
    return PatternRule(
        name=KNOWN_RULE,
        description="every other occurrence of a value found secret elsewhere in the run",
        triggers=(),  # LiteralReplacer's database does the finding
        pattern=re.compile(b"(?!)"),  # never used: LiteralReplacer has the exact spans
        group=0,
        priority=1,
    )


def compile_known(
    known: dict[bytes, bytes],
) -> tuple[CompiledRules, KnownLines, LiteralReplacer] | None:
    """The trigger database, line redactor and replacer of the literal pass (None: nothing)."""
    replacements = known_replacements(known)
    rule = known_rule(replacements)
    if rule is None:
        return None
    replacer = LiteralReplacer(replacements)
    # the line flagging of compressed members uses the replacer's own database (owner 0 for
    # every literal): no second compile, and nothing of a run's values goes to the disk cache
    compiled = CompiledRules([rule], [], owners=[0] * len(replacer.literals), db=replacer.db)
    return compiled, KnownLines(compiled, replacer), replacer
