"""Kubernetes Secrets in block-style YAML (what ``kubectl get -o yaml`` and must-gathers write),
redacted line by line instead of through a full parse and re-dump.

A must-gather holds dozens of ``secrets.yaml`` lists; parsing, walking and re-dumping them was
40 % of the CPU of redacting a whole bundle, and the dump rewrote quoting and layout. This pass
does exactly what the document walker does to a Secret (``data``/``stringData`` values become
size markers and known values of the run, the ``last-applied-configuration`` annotation goes)
and leaves every other byte as it was; the text rules then run over the result as for any
other YAML file.

It only accepts the layouts it can read exactly: documents whose objects are mappings at column
0, or a ``List`` whose ``items:`` are mappings written ``- key: value``, with one-line scalar
values under ``data``/``stringData``. Anything else (block scalars or flow collections there,
tabs, anchors, a ``HELM_VALUES`` pair, a ``last-applied-configuration`` outside a Secret) makes
:func:`redact_secret_lines` answer None, and the caller parses the file as before.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from engage.diagnostics.redact.documents import LAST_APPLIED, LAST_APPLIED_RULE, SECRET_DATA_RULE
from engage.diagnostics.redact.tokens import size_marker

LAST_APPLIED_KEY = LAST_APPLIED.encode()
_KIND_SECRET = re.compile(rb"kind[\"']?[ \t]*:[ \t]*[\"']?Secret(?![\w-])")
_KIND_LINE = re.compile(rb" *(?:- +)?kind: +(?:Secret|\"Secret\"|'Secret') *\r?\n?")
_BLOCK_SCALAR = re.compile(rb"[|>][0-9+-]*[ \t]*(?:#.*)?")
# one mapping entry on a line: indent, optional "- " of a sequence item, key, rest
# (greedy repeats: with fullmatch they accept the same lines and capture the same groups as
# lazy ones, without stepping through a 5 kB base64 value one character at a time)
_ENTRY = re.compile(
    rb"( *)(- +)?([^\s:#'\"{}\[\],&*!|>%@`][^:#]*|\"[^\"\\]*\"|'[^']*'):(?: +(.*))?"
)
_PLAIN_VALUE = re.compile(rb"[^\s\"'{}\[\]&*!|>%@`#][^#]*|\"[^\"\\]*\"|'(?:[^']|'')*'|")


@dataclass
class _Object:
    """The lines of one object: a top-level document or one item of a List."""

    indent: int  # column of its keys
    start: int  # line index of its first key
    end: int = 0
    keys: dict[bytes, int] = field(default_factory=dict)  # key -> line index


def _scalar(raw: bytes) -> bytes | None:
    """The value of a one-line plain or quoted scalar (None when it is anything else)."""
    raw = raw.rstrip()
    if _PLAIN_VALUE.fullmatch(raw) is None:
        return None
    if raw[:1] == b'"':
        return raw[1:-1]
    if raw[:1] == b"'":
        return raw[1:-1].replace(b"''", b"'")
    return raw


def _key(raw: bytes) -> bytes:
    return raw[1:-1] if raw[:1] in (b'"', b"'") else raw


def _objects(lines: list[bytes]) -> list[_Object] | None:
    """Split the file into its objects, or None when the layout is not one this pass reads.

    Keys at column 0 belong to the document's own object (a List's ``kind`` and ``items``
    too); each ``- key: value`` at the column of a List's items starts an item object.
    """
    objects: list[_Object] = []
    top: _Object | None = None  # the document's own object
    current: _Object | None = None  # the object whose keys the next lines may hold
    items_indent: int | None = None  # column of the "- " of the items after "items:"
    for i, line in enumerate(lines):
        body = line.rstrip(b"\r\n")
        stripped = body.strip()
        if not stripped or stripped.startswith(b"#"):
            continue
        if body.startswith((b"---", b"...")):
            top = current = None
            items_indent = None
            continue
        indent = len(body) - len(body.lstrip(b" "))
        if body[indent : indent + 1] == b"\t":
            return None
        m = _ENTRY.fullmatch(body)
        if items_indent is not None and m is not None and m.group(2) is not None:
            if indent == items_indent:
                current = _Object(indent + len(m.group(2)), i)
                current.keys[_key(m.group(3))] = i
                objects.append(current)
                continue
            if current is None or indent <= current.indent:
                return None
            continue  # a sequence deeper inside an item
        if indent == 0:
            if m is None or m.group(2) is not None:
                return None
            if top is None:
                top = _Object(0, i)
                objects.append(top)
            current = top
            key = _key(m.group(3))
            top.keys[key] = i
            items_indent = None
            if key == b"items" and not (m.group(4) or b"").strip():
                nxt = next((ln for ln in lines[i + 1 :] if ln.strip()), b"")
                items_indent = len(nxt) - len(nxt.lstrip(b" "))
                current = None
            continue
        if (
            m is not None
            and m.group(2) is None
            and current is not None
            and indent == current.indent
        ):
            current.keys[_key(m.group(3))] = i
    return objects


def _block_end(lines: list[bytes], start: int, indent: int) -> int:
    """Index after the lines deeper than ``indent`` that follow line ``start``."""
    i = start + 1
    while i < len(lines):
        body = lines[i].rstrip(b"\r\n")
        if body.strip() and len(body) - len(body.lstrip(b" ")) <= indent:
            break
        i += 1
    return i


class SecretLines:
    """Redacts the Secrets of one YAML file line by line (see the module docstring)."""

    def __init__(
        self, count: Callable[[str], None], remember: Callable[[str, bytes], None] | None
    ) -> None:
        self.count = count
        self.remember = remember

    def redact(self, data: bytes) -> bytes | None:
        """``data`` with its Secrets redacted, or None when the layout needs a full parse."""
        if b"HELM_VALUES" in data or (b"&" in data and re.search(rb"[:-] +&\w", data)):
            return None
        lines = data.splitlines(keepends=True)
        objects = _objects(lines)
        if objects is None:
            return None
        edits: dict[int, bytes | None] = {}  # line index -> new line (None: drop it)
        for obj in objects:
            if obj.indent < 0 or not self._is_secret(lines, obj):
                continue
            for field_name in (b"data", b"stringData"):
                if field_name in obj.keys and not self._values(
                    lines, obj.keys[field_name], obj.indent, field_name == b"data", edits
                ):
                    return None
            if b"metadata" in obj.keys and not self._last_applied(
                lines, obj.keys[b"metadata"], obj.indent, edits
            ):
                return None
        gone = {i for i, v in edits.items() if v is None}  # a Secret's own last-applied copy
        if not self._every_secret_is_an_object(lines, data, objects, gone):
            return None
        if data.count(LAST_APPLIED_KEY) != sum(1 for i in gone if LAST_APPLIED_KEY in lines[i]):
            return None  # on another object: that one is parsed and redacted as a document
        if not edits:
            return data
        return b"".join(
            edits.get(i, line) or b"" if i in edits else line for i, line in enumerate(lines)
        )

    def _every_secret_is_an_object(
        self, lines: list[bytes], data: bytes, objects: list[_Object], gone: set[int]
    ) -> bool:
        """Each ``kind: Secret`` is the kind of an object read here, or of an owner reference,
        or inside lines this pass drops anyway (``gone``).

        A Secret anywhere else (in a Template's ``objects``, inside a block scalar or an
        escaped string, in a flow mapping) is the document walker's job.
        """
        kinds = {obj.keys[b"kind"] for obj in objects if b"kind" in obj.keys}
        starts = [0]
        for line in lines:
            starts.append(starts[-1] + len(line))
        text_lines = _block_scalar_lines(lines)
        for m in _KIND_SECRET.finditer(data):
            i = bisect.bisect_right(starts, m.start()) - 1
            if i in gone:
                continue
            if i in text_lines or _KIND_LINE.fullmatch(lines[i]) is None:
                return False
            if i not in kinds and _parent_key(lines, i) != b"ownerReferences":
                return False
        return True

    @staticmethod
    def _is_secret(lines: list[bytes], obj: _Object) -> bool:
        def value(key: bytes) -> bytes | None:
            if key not in obj.keys:
                return None
            m = _ENTRY.fullmatch(lines[obj.keys[key]].rstrip(b"\r\n"))
            return _scalar(m.group(4) or b"") if m is not None else None

        return value(b"kind") == b"Secret" and value(b"apiVersion") in (b"v1", b"", None)

    def _values(
        self,
        lines: list[bytes],
        at: int,
        indent: int,
        is_base64: bool,
        edits: dict[int, bytes | None],
    ) -> bool:
        m = _ENTRY.fullmatch(lines[at].rstrip(b"\r\n"))
        rest = (m.group(4) or b"").strip() if m is not None else b"?"
        if rest in (b"{}", b"null", b"~"):
            return True
        if rest:
            return False  # a flow mapping or something else on the key's own line
        end = _block_end(lines, at, indent)
        child: int | None = None
        for i in range(at + 1, end):
            body = lines[i].rstrip(b"\r\n")
            if not body.strip() or body.strip().startswith(b"#"):
                continue
            c = _ENTRY.fullmatch(body)
            col = len(body) - len(body.lstrip(b" "))
            if c is None or c.group(2) is not None or (child is not None and col != child):
                return False  # a continuation line, a sequence, a deeper mapping
            child = col
            raw = c.group(4) or b""
            value = _scalar(raw)
            if value is None:
                return False
            if not value or value.startswith("«redacted:".encode()):
                continue
            plain = value
            if is_base64:
                try:
                    plain = base64.b64decode(value, validate=True)
                except (binascii.Error, ValueError):
                    plain = value
            if self.remember is not None:
                for known in {plain, plain.strip()}:
                    self.remember(SECRET_DATA_RULE, known)
            self.count(SECRET_DATA_RULE)
            marker = size_marker(SECRET_DATA_RULE, len(plain)).encode("utf-8")
            eol = lines[i][len(body) :]
            edits[i] = body[: c.start(4)] + marker + eol
        return True

    def _last_applied(
        self, lines: list[bytes], at: int, indent: int, edits: dict[int, bytes | None]
    ) -> bool:
        """Drop the annotation from a Secret's ``metadata.annotations`` (always possible)."""
        children = _children(lines, at, indent)
        annotations = next(
            (i for i in children if lines[i].lstrip(b" ").rstrip() == b"annotations:"), None
        )
        if annotations is None:
            return True
        entries = _children(lines, annotations, _col(lines[annotations]))
        dropped = 0
        for i in entries:
            if lines[i].lstrip(b" ").startswith(LAST_APPLIED_KEY + b":"):
                self.count(LAST_APPLIED_RULE)
                for j in range(i, _block_end(lines, i, _col(lines[i]))):
                    edits[j] = None
                dropped += 1
        if dropped and dropped == len(entries):  # nothing left: an empty mapping, not null
            body = lines[annotations].rstrip(b"\r\n")
            edits[annotations] = body + b" {}" + lines[annotations][len(body) :]
        return True


def _block_scalar_lines(lines: list[bytes]) -> set[int]:
    """Indexes of the lines inside block scalars (``key: |`` and what is indented under it)."""
    inside: set[int] = set()
    for i, line in enumerate(lines):
        if i in inside:
            continue
        m = _ENTRY.fullmatch(line.rstrip(b"\r\n"))
        if m is not None and _BLOCK_SCALAR.fullmatch((m.group(4) or b"").strip()) is not None:
            inside.update(range(i + 1, _block_end(lines, i, _col(line))))
    return inside


def _parent_key(lines: list[bytes], i: int) -> bytes | None:
    """The key of the mapping entry that holds the sequence item line ``i`` belongs to."""
    col = _col(lines[i])
    j = i
    while j >= 0:  # up to the item's own "- " line
        stripped = lines[j].lstrip(b" ")
        if stripped.strip() and (_col(lines[j]) < col or stripped.startswith(b"- ")):
            break
        j -= 1
    if j < 0 or not lines[j].lstrip(b" ").startswith(b"- "):
        return None
    item_col = _col(lines[j])
    for k in range(j - 1, -1, -1):
        line = lines[k]
        if not line.strip() or _col(line) > item_col:
            continue
        if _col(line) == item_col and line.lstrip(b" ").startswith(b"- "):
            continue
        m = _ENTRY.fullmatch(line.rstrip(b"\r\n"))
        return _key(m.group(3)) if m is not None and not (m.group(4) or b"").strip() else None
    return None


def _col(line: bytes) -> int:
    return len(line) - len(line.lstrip(b" "))


def _children(lines: list[bytes], at: int, indent: int) -> list[int]:
    """Line indexes of the direct children of the block that starts at line ``at``."""
    end = _block_end(lines, at, indent)
    found: list[int] = []
    child: int | None = None
    for i in range(at + 1, end):
        if not lines[i].strip() or lines[i].lstrip().startswith(b"#"):
            continue
        col = _col(lines[i])
        child = col if child is None else child
        if col == child:
            found.append(i)
    return found
