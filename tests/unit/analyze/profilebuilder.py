"""Write small Go pprof heap profiles (profile.proto, gzip) with chosen stacks, for tests."""

from __future__ import annotations

import gzip
from pathlib import Path


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, payload: bytes | int) -> bytes:
    if isinstance(payload, int):
        return _varint(number << 3) + _varint(payload)
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _packed(values: list[int]) -> bytes:
    return b"".join(_varint(v) for v in values)


def heap_profile(path: Path, stacks: list[tuple[list[str], int]]) -> Path:
    """A gzip heap profile: each stack (innermost function first) holds `bytes` in use."""
    strings = ["", "inuse_objects", "count", "inuse_space", "bytes"]
    functions: dict[str, int] = {}

    def sid(text: str) -> int:
        if text not in strings:
            strings.append(text)
        return strings.index(text)

    body = _field(1, _field(1, 1) + _field(2, 2)) + _field(1, _field(1, 3) + _field(2, 4))
    for frames, size in stacks:
        ids = []
        for name in frames:
            if name not in functions:
                functions[name] = len(functions) + 1
            ids.append(functions[name])
        body += _field(2, _field(1, _packed(ids)) + _field(2, _packed([1, size])))
    for name, fid in functions.items():
        body += _field(4, _field(1, fid) + _field(4, _field(1, fid) + _field(2, 10)))
        filename = name.rsplit(".", 1)[0].replace(".", "/") + ".go"
        body += _field(5, _field(1, fid) + _field(2, sid(name)) + _field(4, sid(filename)))
    body += b"".join(_field(6, s.encode()) for s in strings)
    path.write_bytes(gzip.compress(body))
    return path
