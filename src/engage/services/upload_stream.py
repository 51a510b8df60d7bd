"""Receive an upload body chunk by chunk into a scratch file, never holding it in memory.

Two shapes are accepted: a raw body (``application/octet-stream``) and ``multipart/form-data``
with small text fields and one file part named ``file``. The size cap of the declared kind is
enforced while bytes arrive, and a body that ends early (client gone, truncated multipart)
leaves no file behind.

    spooled = await receive_upload(request.stream(), content_type, scratch, cap_for)
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from python_multipart import MultipartParser
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import parse_options_header

from engage.domain.errors import EngageError, ValidationFailed

FIELD_MAX = 64 * 1024  # text fields (kind, request, csrf_token ...) are short
FIELDS_MAX = 20
FILE_FIELD = "file"
CapFor = Callable[[dict[str, str]], int]
"""Given the text fields seen before the file part, the most bytes the file may have."""


class UploadTooLarge(EngageError):
    """The upload is bigger than its kind allows."""

    status = 413
    title = "Content too large"


class UploadIncomplete(EngageError):
    """The body ended before the upload was complete (connection lost, truncated body)."""

    status = 400
    title = "Upload incomplete"


@dataclass
class Spooled:
    """An upload on local disk: where, how big, its SHA-256, its name and the form's fields."""

    path: Path
    size: int
    sha256: str
    name: str = ""
    fields: dict[str, str] = field(default_factory=dict)

    def discard(self) -> None:
        """Remove the scratch file."""
        self.path.unlink(missing_ok=True)


class _Sink:
    """Writes bytes to a scratch file with a cap and a running hash."""

    def __init__(self, path: Path, cap: int) -> None:
        self.path, self.cap = path, cap
        self.size = 0
        self.sha = hashlib.sha256()
        self.fh: BinaryIO = path.open("xb")

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.cap:
            raise UploadTooLarge(
                f"the upload is larger than the {self.cap:,} bytes allowed "
                "for this kind of artifact"
            )
        self.sha.update(data)
        self.fh.write(data)

    def close(self) -> None:
        self.fh.close()


def scratch_file(scratch: Path, suffix: str = ".upload") -> Path:
    """A fresh, unique file name in the scratch folder (created if needed)."""
    scratch.mkdir(parents=True, exist_ok=True)
    return scratch / f"{uuid.uuid4().hex}{suffix}"


async def receive_raw(
    chunks: AsyncIterator[bytes], scratch: Path, cap: int, *, expected: int | None = None
) -> Spooled:
    """Spool a raw body; `expected` (Content-Length) must be met exactly."""
    sink = _Sink(scratch_file(scratch), cap)
    try:
        async for chunk in chunks:
            sink.write(chunk)
        sink.close()
        if expected is not None and sink.size != expected:
            raise UploadIncomplete(f"received {sink.size} of {expected} bytes")
    except BaseException:
        sink.close()
        sink.path.unlink(missing_ok=True)
        raise
    return Spooled(sink.path, sink.size, sink.sha.hexdigest())


class _Multipart:
    """python-multipart callbacks: text fields to memory, the `file` part to a sink."""

    def __init__(self, boundary: bytes, scratch: Path, cap_for: CapFor) -> None:
        self.scratch, self.cap_for = scratch, cap_for
        self.fields: dict[str, str] = {}
        self.sink: _Sink | None = None
        self.name = ""
        self.done = False
        self._headers: dict[bytes, bytes] = {}
        self._hname = bytearray()
        self._hvalue = bytearray()
        self._part: str | None = None
        self._value = bytearray()
        self._file_done = False
        self.parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._begin,
                "on_header_field": self._hfield,
                "on_header_value": self._hval,
                "on_header_end": self._hend,
                "on_headers_finished": self._headers_done,
                "on_part_data": self._data,
                "on_part_end": self._end,
                "on_end": self._finish,
            },
        )

    def _begin(self) -> None:
        self._headers, self._part = {}, None
        self._value = bytearray()

    def _hfield(self, data: bytes, start: int, end: int) -> None:
        self._hname += data[start:end]

    def _hval(self, data: bytes, start: int, end: int) -> None:
        self._hvalue += data[start:end]

    def _hend(self) -> None:
        self._headers[bytes(self._hname).lower()] = bytes(self._hvalue)
        self._hname, self._hvalue = bytearray(), bytearray()

    def _headers_done(self) -> None:
        _, opts = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._part = opts.get(b"name", b"").decode("utf-8", "replace")
        if self._part == FILE_FIELD:
            if self.sink is not None:
                raise ValidationFailed("send one file per upload")
            raw_name = opts.get(b"filename", b"upload").decode("utf-8", "replace")
            self.name = os.path.basename(raw_name.replace("\\", "/"))[:255]
            self.sink = _Sink(scratch_file(self.scratch), self.cap_for(dict(self.fields)))
        elif len(self.fields) >= FIELDS_MAX:
            raise ValidationFailed(f"at most {FIELDS_MAX} form fields")

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._part == FILE_FIELD:
            assert self.sink is not None
            self.sink.write(data[start:end])
        else:
            self._value += data[start:end]
            if len(self._value) > FIELD_MAX:
                raise ValidationFailed(f"form field {self._part!r} is too long")

    def _end(self) -> None:
        if self._part == FILE_FIELD:
            self._file_done = True
        elif self._part:
            self.fields[self._part] = self._value.decode("utf-8", "replace")

    def _finish(self) -> None:
        self.done = True

    def result(self) -> Spooled:
        if not (self.done and self._file_done and self.sink is not None):
            if self.sink is None and self.done:
                raise ValidationFailed(f"the form has no file part named {FILE_FIELD!r}")
            raise UploadIncomplete("the multipart body ended before the file was complete")
        return Spooled(
            self.sink.path, self.sink.size, self.sink.sha.hexdigest(), self.name, self.fields
        )

    def cleanup(self) -> None:
        if self.sink is not None:
            self.sink.close()
            self.sink.path.unlink(missing_ok=True)


def boundary_of(content_type: str) -> bytes:
    """The multipart boundary of a Content-Type header, or ValidationFailed."""
    kind, opts = parse_options_header(content_type)
    boundary = opts.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise ValidationFailed(
            "send multipart/form-data with a boundary, or application/octet-stream"
        )
    return boundary


async def receive_multipart(
    chunks: AsyncIterator[bytes], content_type: str, scratch: Path, cap_for: CapFor
) -> Spooled:
    """Spool the `file` part of a multipart body and collect its text fields."""
    state = _Multipart(boundary_of(content_type), scratch, cap_for)
    try:
        async for chunk in chunks:
            state.parser.write(chunk)
        state.parser.finalize()
        if state.sink is not None:
            state.sink.close()
        return state.result()
    except MultipartParseError as exc:
        state.cleanup()
        raise ValidationFailed(f"malformed multipart body: {exc}") from None
    except BaseException:
        state.cleanup()
        raise


def parse_content_range(value: str | None) -> tuple[int, int, int]:
    """`bytes START-END/TOTAL` as three numbers (END inclusive), or ValidationFailed."""
    unit, _, spec = (value or "").strip().partition(" ")
    span, _, total = spec.partition("/")
    first, _, last = span.partition("-")
    if unit != "bytes" or not (first.isdigit() and last.isdigit() and total.isdigit()):
        raise ValidationFailed("send Content-Range: bytes START-END/TOTAL with each chunk")
    return int(first), int(last), int(total)
