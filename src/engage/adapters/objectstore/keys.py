"""Key rules shared by every object store, and a reader that hashes what passes through it."""

from __future__ import annotations

import hashlib
import re
from typing import BinaryIO

CHUNK = 1 << 20
_SEGMENT = r"[A-Za-z0-9_-][A-Za-z0-9._-]*"
_KEY = re.compile(rf"^{_SEGMENT}(?:/{_SEGMENT})*$")
MAX_KEY = 512


class InvalidObjectKey(ValueError):
    """A key that is not a safe relative name (empty, absolute, ``..``, odd characters)."""


def check_key(key: str) -> str:
    """Return ``key`` when it is safe for every backend, else raise InvalidObjectKey.

    Segments may not start with a dot, so ``..``, ``.`` and hidden names such as the
    filesystem store's ``.tmp`` folder can never be addressed.
    """
    if len(key) > MAX_KEY or not _KEY.match(key):
        raise InvalidObjectKey(f"invalid object key {key!r}")
    return key


def check_prefix(prefix: str) -> str:
    """Return a listing prefix when it could start a valid key (or is empty)."""
    if prefix and not _KEY.match(prefix.rstrip("/") or "x"):
        raise InvalidObjectKey(f"invalid object key prefix {prefix!r}")
    return prefix


class HashingReader:
    """Reads a stream in chunks, counting bytes and updating a SHA-256 as it goes."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.sha = hashlib.sha256()
        self.size = 0

    def read(self, n: int = CHUNK) -> bytes:
        """Read up to ``n`` bytes (``n < 0`` reads one chunk, never the whole stream)."""
        data = self._stream.read(n if n > 0 else CHUNK)
        self.sha.update(data)
        self.size += len(data)
        return data

    @property
    def hexdigest(self) -> str:
        """SHA-256 of everything read so far."""
        return self.sha.hexdigest()
