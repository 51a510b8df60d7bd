"""Encode small pprof profiles in tests (protobuf wire format written by hand)."""

from __future__ import annotations

import gzip


def varint(v: int) -> bytes:
    v &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field_varint(number: int, v: int) -> bytes:
    return varint(number << 3) + varint(v)


def field_bytes(number: int, data: bytes) -> bytes:
    return varint(number << 3 | 2) + varint(len(data)) + data


def packed(number: int, values: list[int]) -> bytes:
    return field_bytes(number, b"".join(varint(v) for v in values))


def profile(
    sample_types: list[tuple[str, str]], stacks: list[tuple[list[str], list[int]]]
) -> bytes:
    """A profile.proto message: each stack is (function names leaf first, values)."""
    strings = [""]

    def s(text: str) -> int:
        if text not in strings:
            strings.append(text)
        return strings.index(text)

    body = b""
    for kind, unit in sample_types:
        body += field_bytes(1, field_varint(1, s(kind)) + field_varint(2, s(unit)))
    functions: dict[str, int] = {}
    for names, _ in stacks:
        for name in names:
            functions.setdefault(name, len(functions) + 1)
    for names, values in stacks:
        body += field_bytes(2, packed(1, [functions[n] for n in names]) + packed(2, values))
    for fid in functions.values():
        line = field_bytes(4, field_varint(1, fid) + field_varint(2, 10 * fid))
        body += field_bytes(4, field_varint(1, fid) + line)
    for name, fid in functions.items():
        body += field_bytes(
            5,
            field_varint(1, fid)
            + field_varint(2, s(name))
            + field_varint(4, s(f"{name.split('.')[0]}.go")),
        )
    body += field_varint(9, 1_700_000_000_000_000_000)
    for text in strings:
        body += field_bytes(6, text.encode())
    return body


HEAP_TYPES = [
    ("alloc_objects", "count"),
    ("alloc_space", "bytes"),
    ("inuse_objects", "count"),
    ("inuse_space", "bytes"),
]


def heap_profile_gz() -> bytes:
    """A gzip'd heap profile whose in-use space is 600 in cache.load, 300 in json.decode, 100 in main."""
    return gzip.compress(
        profile(
            HEAP_TYPES,
            [
                (["cache.load", "main.main"], [1, 5000, 1, 400]),
                (["json.decode", "main.main"], [3, 900, 3, 300]),
                (["cache.load", "http.serve"], [1, 9000, 1, 200]),
                (["main.main"], [1, 100, 1, 100]),
                (["free.later", "main.main"], [7, 7000, 0, 0]),
            ],
        )
    )
