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
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

from engage.diagnostics.redact.detectors import PatternRule
from engage.diagnostics.redact.scanner import CompiledRules, compile_rules
from engage.diagnostics.redact.tokens import KNOWN_RULE, Pseudonymizer, contains_token

MIN_LENGTH = 8  # shorter values ("admin", "true") are ordinary words
LONG_ENOUGH = 10  # from this length a value is replaced anywhere, not only as a whole word
_PUBLIC = (b"-----BEGIN CERTIFICATE", b"-----BEGIN PUBLIC KEY", b"ssh-rsa ", b"ssh-ed25519 ")
_WORD = re.compile(rb"[A-Za-z0-9]")


# where a value comes from says it is a credential whatever it looks like (a cookie of digits)
TRUSTED_SOURCES = frozenset(
    {"cookie", "authorization-header", "token-header", "url-token-param", "k8s-secret-data"}
)


def propagatable(value: bytes, rule: str = "") -> bool:
    """Values worth looking for elsewhere: long enough, random-looking, one word, not public.

    A false positive of the main pass (``type: string`` under a ``token:`` key) must not be
    spread over the whole bundle: words, prose and low-variety values stay where they are.
    Values from a credential slot (a cookie, an Authorization header) only need to be long.
    """
    if len(value) < MIN_LENGTH or contains_token(value) or value.startswith(_PUBLIC):
        return False
    if any(c in b" \t\r\n" for c in value) or len(set(value)) < 5:
        return False
    if rule in TRUSTED_SOURCES:
        return True
    classes = (
        any(97 <= c <= 122 for c in value)
        + any(65 <= c <= 90 for c in value)
        + any(48 <= c <= 57 for c in value)
        + any(not (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122) for c in value)
    )
    return classes >= 2


def forms(value: bytes) -> list[bytes]:
    """The value as written, URL-encoded and base64-encoded (when those differ)."""
    found = [value]
    text = value.decode("utf-8", "surrogateescape")
    for encoded in (quote(text, safe=""), quote_plus(text, safe="")):
        raw = encoded.encode("ascii")
        if raw != value and raw not in found:
            found.append(raw)
    escaped = json.dumps(text, ensure_ascii=False)[1:-1].encode("utf-8", "surrogateescape")
    if escaped != value:
        found.append(escaped)  # inside a JSON string: "\n", "\"" and "\\" escapes
    if len(value) >= 8:
        found.append(base64.b64encode(value).rstrip(b"="))
    return found


def _whole_word(m: re.Match[bytes]) -> bool:
    """Short values only count as whole words: ``s3cret1`` is not inside ``as3cret12``."""
    value, text = m.group(0), m.string
    if len(value) >= LONG_ENOUGH:
        return True
    before = text[m.start() - 1 : m.start()] if m.start() else b""
    after = text[m.end() : m.end() + 1]
    head_word, tail_word = _WORD.match(value[:1]), _WORD.match(value[-1:])
    return not (head_word and _WORD.match(before)) and not (tail_word and _WORD.match(after))


class KnownTokens(Pseudonymizer):
    """Tokens of the literal pass: each form of a known value -> the value's own token."""

    def __init__(self, known: dict[bytes, bytes]) -> None:
        super().__init__(b"known-value-pass")
        self.replacements: dict[bytes, bytes] = {}
        for value, token in known.items():
            if not propagatable(value, _rule_of(token)):
                continue
            for i, form in enumerate(forms(value)):
                # a base64 form gets a base64 token, so base64 text stays valid base64
                b64 = i > 0 and form == base64.b64encode(value).rstrip(b"=")
                self.replacements.setdefault(
                    form, base64.b64encode(token).rstrip(b"=") if b64 else token
                )

    def token(self, rule: str, value: bytes) -> bytes:
        """The known value's token (never a new one)."""
        return self.replacements.get(value) or super().token(rule, value)


def _rule_of(token: bytes) -> str:
    """``«redacted:cookie:1a2b3c»`` -> ``cookie``."""
    return token.decode("utf-8", "replace").split(":")[1] if b":" in token else ""


def known_rule(literals: Iterable[bytes]) -> PatternRule | None:
    """One literal rule for all these literals, longest first (None when there is none)."""
    ordered = sorted(set(literals), key=len, reverse=True)
    if not ordered:
        return None
    return PatternRule(
        name=KNOWN_RULE,
        description="every other occurrence of a value found secret elsewhere in the run",
        triggers=tuple(_hs_literal(v) for v in ordered),
        pattern=re.compile(b"|".join(re.escape(v) for v in ordered)),
        group=0,
        check=_whole_word,
        priority=1,
    )


def _hs_literal(value: bytes) -> str:
    return "".join(f"\\x{c:02x}" for c in value)


def compile_known(known: dict[bytes, bytes]) -> tuple[CompiledRules, KnownTokens] | None:
    """The hyperscan database and token source of the literal pass (None: nothing known)."""
    tokens = KnownTokens(known)
    rule = known_rule(tokens.replacements)
    return None if rule is None else (compile_rules([rule], []), tokens)
