"""Hostile archives, opened safely: extract into a scratch folder or refuse with a reason.

``extract_archive`` takes ``.tar``, ``.tar.gz``/``.tgz`` (also xz and bzip2), a single ``.gz``
file or a ``.zip`` and writes its regular files and folders under a new folder, nothing else.
The format comes from the content's magic bytes, never from the name. Refused, as
``ArchiveRejected(reason)``, by the rules every archive reader shares (``archive_safety``):
absolute paths, ``..``, NUL bytes and backslashes in names, symbolic and hard links, devices and
FIFOs, encrypted zip members, too many members, more decompressed bytes than the limit, a
decompressed/compressed ratio above the limit (zip and gzip bombs: bytes are counted as they
come out of the decompressor, headers are never trusted), truncated or corrupt data. On
refusal the half-written folder is removed, so a failed extraction leaves nothing behind.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import shutil
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, BinaryIO, cast

from engage.diagnostics.archive_safety import (
    MAX_NAME,
    ArchiveLimits,
    ArchiveRejected,
    Budget,
    member_path,
    tar_member_problem,
    zip_member_problem,
)

__all__ = [
    "MAX_NAME",
    "ArchiveLimits",
    "ArchiveRejected",
    "Extracted",
    "archive_format",
    "extract_archive",
    "member_path",
    "sniff_format",
]

CHUNK = 1 << 20


@dataclass
class Extracted:
    """What ``extract_archive`` wrote: the folder, the files in it, sizes and the format."""

    root: Path
    format: str
    files: list[Path] = field(default_factory=list)
    members: int = 0
    total_bytes: int = 0
    compressed_bytes: int = 0


_MAGIC: list[tuple[int, bytes, str]] = [
    (0, b"\x1f\x8b", "gzip"),
    (0, b"\xfd7zXZ\x00", "xz"),
    (0, b"BZh", "bzip2"),
    (0, b"PK\x03\x04", "zip"),
    (0, b"PK\x05\x06", "zip"),  # an empty zip: only the end-of-central-directory record
    (257, b"ustar", "tar"),
]
_DECOMPRESSORS: dict[str, Callable[[BinaryIO], IO[bytes]]] = {
    "gzip": lambda f: cast(IO[bytes], gzip.GzipFile(fileobj=f, mode="rb")),
    "xz": lambda f: lzma.LZMAFile(f, "rb"),  # noqa: SIM115 - closed by the caller's with
    "bzip2": lambda f: bz2.BZ2File(f, "rb"),
}
_CORRUPT = (OSError, EOFError, lzma.LZMAError, zlib.error, tarfile.TarError, ValueError)


def sniff_format(head: bytes) -> str | None:
    """``gzip``, ``xz``, ``bzip2``, ``zip`` or ``tar`` from the first 512 bytes, else None."""
    for offset, magic, name in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return name
    return None


def archive_format(path: Path) -> str | None:
    """The container format of a file: ``tar``, ``tar.gz``, ``gz``, ``zip`` ... or None.

    A compressed file is ``tar.<x>`` when its decompressed start is a tar header.
    """
    with open(path, "rb") as fh:
        outer = sniff_format(fh.read(512))
        if outer not in _DECOMPRESSORS:
            return outer
        fh.seek(0)
        try:
            with _DECOMPRESSORS[outer](cast(BinaryIO, fh)) as inner:
                head = inner.read(512)
        except _CORRUPT:
            head = b""
    short = {"gzip": "gz", "xz": "xz", "bzip2": "bz2"}[outer]
    return f"tar.{short}" if sniff_format(head) == "tar" else short


class _CountingReader:
    """A read-only file wrapper that counts the bytes read (and charges a budget for them)."""

    def __init__(self, raw: IO[bytes], budget: Budget | None = None) -> None:
        self._raw = raw
        self._budget = budget
        self.count = 0

    def read(self, n: int = -1) -> bytes:
        data = self._raw.read(CHUNK if n is None or n < 0 else n)
        self.count += len(data)
        if self._budget is not None:
            self._budget.spend(len(data))
        return data

    def readable(self) -> bool:
        return True


def extract_archive(
    archive: Path, dest: Path, *, limits: ArchiveLimits | None = None, inner_name: str = "file"
) -> Extracted:
    """Extract ``archive`` into the new folder ``dest`` within the limits, or refuse it.

    ``inner_name`` names the output of a single compressed file (``x.log.gz`` -> ``x.log``).
    """
    limits = limits or ArchiveLimits()
    fmt = archive_format(archive)
    if fmt is None:
        raise ArchiveRejected("the file is not a tar, gzip or zip archive")
    dest.mkdir(parents=True, exist_ok=False)
    out = Extracted(root=dest, format=fmt, compressed_bytes=archive.stat().st_size)
    try:
        if fmt == "zip":
            _extract_zip(archive, out, limits)
        elif fmt.startswith("tar"):
            _extract_tar(archive, out, limits)
        else:
            _extract_single(archive, out, limits, inner_name)
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    return out


@contextmanager
def _open_stream(
    archive: Path,
    fmt: str,
    limits: ArchiveLimits,
) -> Iterator[tuple[IO[bytes], Budget]]:
    """The decompressed stream of ``archive`` with a budget charged for every byte read."""
    with open(archive, "rb") as raw:
        counted = _CountingReader(raw)
        budget = Budget(limits, lambda: counted.count)
        outer = {"tar": None, "gz": "gzip", "xz": "xz", "bz2": "bzip2"}[fmt.removeprefix("tar.")]
        if outer is None:
            yield cast(IO[bytes], _CountingReader(cast(IO[bytes], counted), budget)), budget
            return
        with _DECOMPRESSORS[outer](cast(BinaryIO, counted)) as plain:
            yield cast(IO[bytes], _CountingReader(plain, budget)), budget


def _extract_tar(archive: Path, out: Extracted, limits: ArchiveLimits) -> None:
    label = out.format
    try:
        with _open_stream(archive, label, limits) as (stream, budget):
            with tarfile.open(fileobj=stream, mode="r|") as tar:
                for member in tar:
                    budget.member()
                    _tar_member(tar, member, out)
            _drain(stream)
            out.members, out.total_bytes = budget.members, budget.total
    except ArchiveRejected:
        raise
    except EOFError as exc:
        raise ArchiveRejected(f"the {label} archive is truncated (it ends too early)") from exc
    except _CORRUPT as exc:
        raise ArchiveRejected(_corrupt_reason(label, exc)) from exc


def _tar_member(tar: tarfile.TarFile, member: tarfile.TarInfo, out: Extracted) -> None:
    problem = tar_member_problem(member)
    if problem is not None:
        raise ArchiveRejected(problem)
    rel = member_path(member.name)
    if member.isdir():
        _make_dir(out.root, rel)
        return
    src = tar.extractfile(member)
    if src is None:  # pragma: no cover - isfile() members always have data
        raise ArchiveRejected(f"cannot read {member.name!r} from the archive")
    out.files.append(_write_file(out.root, rel, src))


def _extract_single(archive: Path, out: Extracted, limits: ArchiveLimits, inner_name: str) -> None:
    name = member_path(inner_name).name or "file"
    try:
        with _open_stream(archive, out.format, limits) as (stream, budget):
            budget.member()
            out.files.append(_write_file(out.root, PurePosixPath(name), stream))
            out.members, out.total_bytes = 1, budget.total
    except ArchiveRejected:
        raise
    except EOFError as exc:
        raise ArchiveRejected(f"the {out.format} file is truncated (it ends too early)") from exc
    except _CORRUPT as exc:
        raise ArchiveRejected(_corrupt_reason(out.format, exc)) from exc


def _extract_zip(archive: Path, out: Extracted, limits: ArchiveLimits) -> None:
    budget = Budget(limits, lambda: out.compressed_bytes)
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            if len(infos) > limits.max_members:
                raise ArchiveRejected(f"the archive holds more than {limits.max_members} members")
            if sum(i.compress_size for i in infos) > out.compressed_bytes:
                raise ArchiveRejected("the zip archive's members overlap (a compression bomb?)")
            for info in infos:
                budget.member()
                _zip_member(zf, info, out, budget)
        out.members, out.total_bytes = budget.members, budget.total
    except ArchiveRejected:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, *_CORRUPT) as exc:
        raise ArchiveRejected(_corrupt_reason("zip", exc)) from exc


def _zip_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, out: Extracted, budget: Budget) -> None:
    problem = zip_member_problem(info)
    if problem is not None:
        raise ArchiveRejected(problem)
    rel = member_path(info.filename)
    if info.is_dir():
        _make_dir(out.root, rel)
        return
    with zf.open(info) as src:
        out.files.append(_write_file(out.root, rel, cast(IO[bytes], _CountingReader(src, budget))))


def _make_dir(root: Path, rel: PurePosixPath) -> Path:
    target = root.joinpath(*rel.parts)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:
        raise ArchiveRejected(f"the archive uses {rel.as_posix()!r} as file and folder") from exc
    return target


def _write_file(root: Path, rel: PurePosixPath, src: IO[bytes]) -> Path:
    """Create a new file (never following or replacing anything) and stream ``src`` into it."""
    if not rel.parts:
        raise ArchiveRejected("the archive holds a file without a name")
    parent = _make_dir(root, rel.parent)
    target = parent / rel.name
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(target, flags, 0o600)
    except FileExistsError as exc:
        raise ArchiveRejected(f"the archive holds {rel.as_posix()!r} twice") from exc
    except IsADirectoryError as exc:
        raise ArchiveRejected(f"the archive uses {rel.as_posix()!r} as file and folder") from exc
    with os.fdopen(fd, "wb") as dst:
        while block := src.read(CHUNK):
            dst.write(block)
    return target


def _drain(stream: IO[bytes]) -> None:
    """Read to the end so a truncated or corrupt compressed tail is noticed too."""
    while stream.read(CHUNK):
        pass


def _corrupt_reason(label: str, exc: BaseException) -> str:
    text = str(exc).lower()
    if "end of data" in text or "ended before" in text or "truncated" in text:
        return f"the {label} archive is truncated (it ends too early)"
    return f"the {label} data is corrupt ({str(exc)[:120]})"
