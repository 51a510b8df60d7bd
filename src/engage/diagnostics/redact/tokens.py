"""Consistent pseudonyms: the same secret becomes the same token everywhere in one run.

A token looks like ``«redacted:aws-secret-key:7f3a9c»``: the rule that fired and the first
six hex digits of HMAC-SHA256(run key, secret). Support can see that two components share a
credential without ever seeing it. The mapping (token -> original) stays in memory and is only
written out on request (``--map``), never into the redacted output.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

TOKEN_OPEN = "«".encode()
TOKEN_PREFIX = "«redacted:".encode()
TOKEN_RE = re.compile("«redacted:[a-z0-9][a-z0-9._-]*:[0-9a-z=]+»".encode())
_DIGEST_CHARS = 6
KNOWN_RULE = "known-value"
MAX_KNOWN = 200_000


def contains_token(value: bytes) -> bool:
    """True when a value already holds a redaction token (so redacting it again is a no-op)."""
    return TOKEN_PREFIX in value


class Pseudonymizer:
    """Turns secrets into stable tokens with a per-run HMAC key and remembers the mapping."""

    def __init__(self, key: bytes | None = None) -> None:
        self.key = key if key is not None else secrets.token_bytes(32)
        self._cache: dict[bytes, str] = {}
        self.mapping: dict[str, str] = {}
        # value -> its token, for every value replaced this run: the known-value pass replaces
        # every other occurrence of these (see propagate.py)
        self.known: dict[bytes, bytes] = {}

    def digest(self, value: bytes) -> str:
        """Short keyed digest of a secret value."""
        found = self._cache.get(value)
        if found is None:
            found = hmac.new(self.key, value, hashlib.sha256).hexdigest()[:_DIGEST_CHARS]
            if len(self._cache) < 1_000_000:
                self._cache[value] = found
        return found

    def token(self, rule: str, value: bytes) -> bytes:
        """The token that replaces ``value`` found by ``rule``."""
        known = self.known.get(value)
        if known is not None and rule == KNOWN_RULE:
            return known
        text = f"«redacted:{rule}:{self.digest(value)}»"
        if text not in self.mapping:
            self.mapping[text] = value.decode("utf-8", "backslashreplace")
        token = text.encode()
        if known is None and len(self.known) < MAX_KNOWN:
            self.known[value] = token
        return token

    def remember(self, rule: str, value: bytes) -> None:
        """Record a secret that was dropped without a token (Secret data) as a known value."""
        if value not in self.known:
            self.token(rule, value)

    def merge(self, mapping: dict[str, str], known: dict[bytes, bytes]) -> None:
        """Fold in what another process of the same run found (same key, same tokens)."""
        self.mapping.update(mapping)
        for value, token in known.items():
            self.known.setdefault(value, token)

    def token_str(self, rule: str, value: str) -> str:
        """Same as :meth:`token` for text values."""
        return self.token(rule, value.encode("utf-8", "surrogateescape")).decode()


def size_marker(rule: str, size: int) -> str:
    """A marker that keeps only the size of a dropped value (Kubernetes Secret data)."""
    return f"«redacted:{rule}:size={size}»"
