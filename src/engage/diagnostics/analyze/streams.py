"""Small stream and name helpers of the input reader."""

from __future__ import annotations

import io
import json
from typing import Any

from engage.diagnostics.analyze.inputs import HEAD


class Prefixed(io.RawIOBase):
    """A stream that yields already-read head bytes before the rest of a file."""

    def __init__(self, head: bytes, rest: Any) -> None:
        """`head` was already read from `rest`."""
        self._head = head
        self._rest = rest

    def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes (everything when negative)."""
        if self._head:
            data, self._head = self._head, b""
            if size < 0:
                return data + bytes(self._rest.read())
            return data + bytes(self._rest.read(max(size - len(data), 0)))
        return bytes(self._rest.read(size))


def peek(handle: Any) -> bytes:
    """The first bytes of a stream (give them back through `Prefixed`)."""
    return bytes(handle.read(HEAD))


def values_candidate(lower_path: str) -> bool:
    """Helm values files: `helm/values.yaml`, `values*.yaml`, `*-values.yaml`."""
    name = lower_path.rsplit("/", 1)[-1]
    return "values" in name or "/helm/" in f"/{lower_path}"


def json_lines(head: bytes) -> bool:
    """A JSON-lines log (one JSON record per line) rather than one JSON document."""
    first, _, rest = head.partition(b"\n")
    if not rest.lstrip().startswith(b"{"):
        return False
    try:
        json.loads(first)
    except ValueError:
        return False
    return True
