"""Go pprof profiles (gzip-compressed ``profile.proto``): a small protobuf wire-format reader.

Only what a heap-profile summary needs is decoded: sample types, samples (location ids and
values), locations with their lines, functions and the string table. Example::

    profile = read_profile(Path("heap.pb.gz"))
    heap_summary(profile)["top_sites"][0]   # {"function": "main.load", "value": 1048576, ...}
"""

from __future__ import annotations

import gzip
import zlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_PROFILE_BYTES = 512 << 20
HEAP_TYPES = ("inuse_space", "inuse_objects", "alloc_space", "alloc_objects")
_U64 = 1 << 64


class ProfileError(ValueError):
    """Bytes that are not a readable pprof profile."""


@dataclass(frozen=True)
class Function:
    """A function of the profiled program."""

    name: str
    filename: str
    start_line: int = 0


@dataclass
class Profile:
    """The parts of a decoded profile.proto that engage uses."""

    sample_types: list[tuple[str, str]] = field(default_factory=list)
    samples: list[tuple[list[int], list[int]]] = field(default_factory=list)
    locations: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    functions: dict[int, Function] = field(default_factory=dict)
    time_nanos: int = 0
    duration_nanos: int = 0
    period_type: tuple[str, str] | None = None
    period: int = 0

    def value_index(self, sample_type: str) -> int | None:
        """Position of a sample type (``inuse_space`` ...) in every sample's values."""
        names = [t for t, _unit in self.sample_types]
        return names.index(sample_type) if sample_type in names else None

    @property
    def is_heap(self) -> bool:
        """True when the profile carries Go heap sample types (in-use or allocated space)."""
        return any(self.value_index(t) is not None for t in ("inuse_space", "alloc_space"))


@dataclass(frozen=True)
class Site:
    """An allocation site: the function at the top of the stack, with its flat total."""

    function: str
    filename: str
    line: int
    value: int
    share: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "function": self.function,
            "file": self.filename,
            "line": self.line,
            "value": self.value,
            "share": round(self.share, 4),
        }


# -- wire format -------------------------------------------------------------------------------
def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise ProfileError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ProfileError("varint longer than 10 bytes")


def _fields(buf: bytes) -> Iterator[tuple[int, int, Any]]:
    """(field number, wire type, value) for every field of one message."""
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        value: Any
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 2:
            size, pos = _varint(buf, pos)
            if pos + size > end:
                raise ProfileError("length-delimited field runs past the end")
            value, pos = buf[pos : pos + size], pos + size
        elif wire in (1, 5):
            width = 8 if wire == 1 else 4
            if pos + width > end:
                raise ProfileError("fixed-width field runs past the end")
            value, pos = int.from_bytes(buf[pos : pos + width], "little"), pos + width
        else:
            raise ProfileError(f"unsupported wire type {wire}")
        if number == 0:
            raise ProfileError("field number 0")
        yield number, wire, value


def _ints(wire: int, value: Any) -> list[int]:
    """A repeated integer field: one varint, or a packed run of them."""
    if wire == 0:
        return [value]
    if wire != 2:
        raise ProfileError("integer field with a non-integer wire type")
    out, pos = [], 0
    while pos < len(value):
        v, pos = _varint(value, pos)
        out.append(v)
    return out


def _signed(v: int) -> int:
    return v - _U64 if v >= _U64 >> 1 else v


def _message(wire: int, value: Any) -> bytes:
    if wire != 2:
        raise ProfileError("expected an embedded message")
    return bytes(value)


# -- profile.proto -----------------------------------------------------------------------------
def parse_profile(data: bytes) -> Profile:
    """Decode an uncompressed profile.proto message."""
    prof, strings = Profile(), []
    raw_types: list[tuple[int, int]] = []
    raw_functions: dict[int, tuple[int, int, int]] = {}
    raw_period: tuple[int, int] | None = None
    for number, wire, value in _fields(data):
        if number == 1:
            raw_types.append(_value_type(_message(wire, value)))
        elif number == 2:
            prof.samples.append(_sample(_message(wire, value)))
        elif number == 4:
            loc_id, lines = _location(_message(wire, value))
            prof.locations[loc_id] = lines
        elif number == 5:
            fid, name, filename, start = _function(_message(wire, value))
            raw_functions[fid] = (name, filename, start)
        elif number == 6:
            strings.append(_message(wire, value).decode("utf-8", "replace"))
        elif number == 9 and wire == 0:
            prof.time_nanos = _signed(value)
        elif number == 10 and wire == 0:
            prof.duration_nanos = _signed(value)
        elif number == 11:
            raw_period = _value_type(_message(wire, value))
        elif number == 12 and wire == 0:
            prof.period = _signed(value)
    if not strings or strings[0] != "":
        raise ProfileError("no string table (the first string must be empty)")

    def s(i: int) -> str:
        if not 0 <= i < len(strings):
            raise ProfileError(f"string index {i} outside the string table")
        return strings[i]

    prof.sample_types = [(s(t), s(u)) for t, u in raw_types]
    prof.period_type = (s(raw_period[0]), s(raw_period[1])) if raw_period else None
    prof.functions = {fid: Function(s(n), s(f), st) for fid, (n, f, st) in raw_functions.items()}
    return prof


def _value_type(buf: bytes) -> tuple[int, int]:
    kind = unit = 0
    for number, wire, value in _fields(buf):
        if number == 1 and wire == 0:
            kind = value
        elif number == 2 and wire == 0:
            unit = value
    return kind, unit


def _sample(buf: bytes) -> tuple[list[int], list[int]]:
    locations: list[int] = []
    values: list[int] = []
    for number, wire, value in _fields(buf):
        if number == 1:
            locations.extend(_ints(wire, value))
        elif number == 2:
            values.extend(_signed(v) for v in _ints(wire, value))
    return locations, values


def _location(buf: bytes) -> tuple[int, list[tuple[int, int]]]:
    loc_id, lines = 0, []
    for number, wire, value in _fields(buf):
        if number == 1 and wire == 0:
            loc_id = value
        elif number == 4:
            function_id = line = 0
            for n, w, v in _fields(_message(wire, value)):
                if n == 1 and w == 0:
                    function_id = v
                elif n == 2 and w == 0:
                    line = _signed(v)
            lines.append((function_id, line))
    return loc_id, lines


def _function(buf: bytes) -> tuple[int, int, int, int]:
    fid = name = filename = start = 0
    for number, wire, value in _fields(buf):
        if wire != 0:
            continue
        if number == 1:
            fid = value
        elif number == 2:
            name = value
        elif number == 4:
            filename = value
        elif number == 5:
            start = _signed(value)
    return fid, name, filename, start


# -- files and summaries -----------------------------------------------------------------------
def read_profile(path: Path, *, max_bytes: int = MAX_PROFILE_BYTES) -> Profile:
    """Read a gzip-compressed (or plain) profile, refusing more than ``max_bytes`` unpacked."""
    with open(path, "rb") as fh:
        head = fh.read(2)
        fh.seek(0)
        if head != b"\x1f\x8b":
            data = fh.read(max_bytes + 1)
        else:
            try:
                with gzip.GzipFile(fileobj=fh, mode="rb") as plain:
                    data = plain.read(max_bytes + 1)
            except EOFError as exc:
                raise ProfileError("the gzip data is truncated (it ends too early)") from exc
            except (OSError, zlib.error) as exc:
                raise ProfileError(f"the gzip data is corrupt ({exc})") from exc
    if len(data) > max_bytes:
        raise ProfileError(f"the profile unpacks to more than {max_bytes >> 20} MiB")
    return parse_profile(data)


def _leaf(profile: Profile, location_ids: list[int]) -> tuple[str, str, int]:
    """Function, file and line at the top of a stack (the innermost inlined frame)."""
    for loc in location_ids[:1]:
        lines = profile.locations.get(loc) or []
        if lines:
            fn = profile.functions.get(lines[0][0])
            if fn is not None:
                return fn.name, fn.filename, lines[0][1]
        return f"0x{loc:x}", "", 0
    return "<unknown>", "", 0


def top_sites(profile: Profile, sample_type: str = "inuse_space", limit: int = 10) -> list[Site]:
    """The ``limit`` functions with the largest flat value of ``sample_type``."""
    index = profile.value_index(sample_type)
    if index is None:
        return []
    totals: dict[tuple[str, str], int] = defaultdict(int)
    first_line: dict[tuple[str, str], int] = {}
    for locations, values in profile.samples:
        if index >= len(values) or values[index] == 0:
            continue
        name, filename, line = _leaf(profile, locations)
        totals[name, filename] += values[index]
        first_line.setdefault((name, filename), line)
    grand = sum(totals.values()) or 1
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [Site(n, f, first_line[n, f], v, v / grand) for (n, f), v in ranked]


def heap_summary(profile: Profile, limit: int = 10) -> dict[str, Any]:
    """Sample types, totals and top allocation sites by in-use space (alloc space if absent)."""
    kind = "inuse_space" if profile.value_index("inuse_space") is not None else "alloc_space"
    totals = {}
    for name in HEAP_TYPES:
        i = profile.value_index(name)
        if i is not None:
            totals[name] = sum(v[i] for _, v in profile.samples if i < len(v))
    return {
        "format": "pprof",
        "sample_types": [f"{t}/{u}" for t, u in profile.sample_types],
        "samples": len(profile.samples),
        "functions": len(profile.functions),
        "time_nanos": profile.time_nanos,
        "totals": totals,
        "ranked_by": kind,
        "top_sites": [s.to_dict() for s in top_sites(profile, kind, limit)],
    }


def package_of(function: str) -> str:
    """Go package of a symbol: `github.com/x/y/pkg/z.(*T).M` -> `github.com/x/y/pkg/z`."""
    slash = function.rfind("/")
    dot = function.find(".", slash + 1)
    return function[:dot] if dot > 0 else function


def by_package(
    profile: Profile, sample_type: str, limit: int = 10, owner: Any = None
) -> list[dict[str, Any]]:
    """Totals of ``sample_type`` per Go package: the package of the innermost frame for which
    ``owner(package)`` holds (e.g. Kubecost's own code), else of the allocating function."""
    index = profile.value_index(sample_type)
    if index is None:
        return []
    names = {fid: f.name for fid, f in profile.functions.items()}
    totals: dict[str, int] = defaultdict(int)
    for locations, values in profile.samples:
        if index < len(values) and values[index]:
            package = package_of(_leaf(profile, locations)[0])
            if owner is not None:
                frames = (
                    package_of(names.get(f, ""))
                    for loc in locations
                    for f, _ in profile.locations.get(loc, [])
                )
                package = next((p for p in frames if owner(p)), package)
            totals[package] += values[index]
    grand = sum(totals.values()) or 1
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [{"package": p, "value": v, "share": round(v / grand, 4)} for p, v in ranked]


def stack_share(profile: Profile, sample_type: str, matches: Any) -> tuple[float, str | None]:
    """Share of ``sample_type`` held by stacks with a frame for which ``matches(name)`` holds,
    and the first such frame seen in the largest of those stacks."""
    index = profile.value_index(sample_type)
    if index is None:
        return 0.0, None
    names = {fid: f.name for fid, f in profile.functions.items()}
    hit = grand = best_value = 0
    best: str | None = None
    for locations, values in profile.samples:
        value = values[index] if index < len(values) else 0
        grand += value
        for loc in locations:
            frame = next(
                (
                    names.get(f, "")
                    for f, _ in profile.locations.get(loc, [])
                    if matches(names.get(f, ""))
                ),
                None,
            )
            if frame is not None:
                hit += value
                if value > best_value:
                    best, best_value = frame, value
                break
    return (hit / grand if grand else 0.0), best
