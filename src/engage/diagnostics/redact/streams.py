"""Small stream helpers: a reader with a pushed-back head, a counting reader, a null sink."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from typing_extensions import Buffer

SNIFF_SIZE = 8192
_TEXT_CONTROL = frozenset(b"\t\n\r\f\b\x1b")
# every byte except the control bytes that do not occur in text: deleting these leaves the rest
_NOT_CONTROL = bytes(c for c in range(256) if c >= 32 or c in _TEXT_CONTROL)
# Containers we cannot open: refused, never passed through (they could hold secrets).
REFUSED_MAGIC = {
    b"PK\x03\x04": "zip archive",
    b"7z\xbc\xaf\x27\x1c": "7-zip archive",
    b"Rar!\x1a\x07": "RAR archive",
    b"\x28\xb5\x2f\xfd": "zstd-compressed file",
}
REFUSED_SUFFIXES = {
    ".zip": "zip archive",
    ".7z": "7-zip archive",
    ".rar": "RAR archive",
    ".zst": "zstd-compressed file",
    ".jar": "zip archive",
    ".p12": "PKCS#12 key store (holds private keys)",
    ".pfx": "PKCS#12 key store (holds private keys)",
    ".jks": "Java key store (holds private keys)",
    ".keystore": "key store (holds private keys)",
}


def is_binary(head: bytes) -> bool:
    """Binary data (NUL bytes, or many control bytes): never line-redacted."""
    sample = head[:SNIFF_SIZE]
    if not sample:
        return False
    if b"\x00" in sample:
        return True
    control = len(sample.translate(None, _NOT_CONTROL))
    return control / len(sample) > 0.10


def refused_kind(head: bytes) -> str | None:
    """Name of an archive format we refuse, recognised by its magic bytes."""
    return next((kind for magic, kind in REFUSED_MAGIC.items() if head.startswith(magic)), None)


class ChainReader(io.RawIOBase):
    """Reads ``head`` first, then the rest of ``src`` (a peeked stream put back together)."""

    def __init__(self, head: bytes, src: IO[bytes]) -> None:
        self._head = memoryview(head)
        self._src = src

    def readable(self) -> bool:
        """Always readable."""
        return True

    def readinto(self, buffer: Buffer) -> int:
        """Fill ``buffer`` from the head, then from the source."""
        if len(self._head):
            view = memoryview(buffer).cast("B")
            n = min(len(view), len(self._head))
            view[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        view = memoryview(buffer).cast("B")
        data = self._src.read(len(view))
        view[: len(data)] = data
        return len(data)


def chain(head: bytes, src: IO[bytes]) -> IO[bytes]:
    """A buffered reader over ``head`` + ``src``."""
    return io.BufferedReader(ChainReader(head, src), buffer_size=1 << 20)


class CountingReader(io.RawIOBase):
    """Reports every byte read to a progress callback."""

    def __init__(self, src: IO[bytes], progress: Callable[[int], None]) -> None:
        self._src = src
        self._progress = progress

    def readable(self) -> bool:
        """Always readable."""
        return True

    def read(self, size: int = -1) -> bytes:
        """Read and report."""
        data = self._src.read(size)
        if data:
            self._progress(len(data))
        return data

    def readinto(self, buffer: Buffer) -> int:
        """Read into a buffer and report."""
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)


class NullSink(io.RawIOBase):
    """Discards output (verification runs), so compressors can be skipped."""

    def writable(self) -> bool:
        """Always writable."""
        return True

    def write(self, data: Buffer) -> int:
        """Drop the data."""
        return memoryview(data).nbytes
