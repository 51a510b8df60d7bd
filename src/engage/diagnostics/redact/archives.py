"""Tarballs and directories: every member redacted, unsafe members refused and reported.

Refused (reported, left out of the output): absolute paths, ``..`` components, links that point
outside the input, devices and FIFOs, unreadable files, containers we cannot open (zip...).
Links that stay inside the input are kept as links (they carry no data). Members
are streamed: each is redacted into a spooled temporary file (memory up to 16 MiB, then disk)
so the output tar header can carry the new size.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, cast

from engage.diagnostics.archive_safety import (
    ArchiveRejected,
    TarGuard,
    link_inside,
    tar_member_problem,
)
from engage.diagnostics.redact.errors import RedactionError, UnsupportedInput
from engage.diagnostics.redact.streams import CountingReader, NullSink

if TYPE_CHECKING:
    from engage.diagnostics.redact.formats import Pipeline

SPOOL_MAX = 16 << 20


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# what a new file gets anyway: the output keeps its source's mode with one chmod only where
# they differ (a must-gather's 3,600 files would otherwise cost a stat and a chmod each)
_NEW_FILE_MODE = 0o666 & ~_umask()
Progress = Callable[[int], None]


def tar_write_mode(name: str) -> str:
    """Streaming tarfile mode that writes the same compression as ``name`` suggests."""
    lower = name.lower()
    if lower.endswith((".tar.gz", ".tgz")):
        return "w|gz"
    if lower.endswith((".tar.xz", ".txz")):
        return "w|xz"
    if lower.endswith((".tar.bz2", ".tbz2")):
        return "w|bz2"
    return "w|"


def unsafe_member(member: tarfile.TarInfo) -> str | None:
    """Why a tar member is refused, or None (the shared rules; links inside are kept)."""
    return tar_member_problem(member, links="inside")


def redact_tar_stream(pipeline: Pipeline, src: IO[bytes], dst: IO[bytes], name: str) -> None:
    """Redact a tar archive (any compression) into one of the same kind."""
    discard = isinstance(dst, NullSink)
    counted = _Counted(src)
    guard = TarGuard(compressed=lambda: counted.count, links="inside")
    try:
        with tarfile.open(fileobj=cast(IO[bytes], counted), mode="r|*") as tin:
            if discard:
                for member in tin:
                    _member(pipeline, tin, None, member, f"{name}/{member.name}", guard)
                return
            mode = tar_write_mode(name)
            with tarfile.open(fileobj=dst, mode=mode) as tout:  # type: ignore[call-overload]
                for member in tin:
                    _member(pipeline, tin, tout, member, f"{name}/{member.name}", guard)
    except ArchiveRejected as exc:
        raise RedactionError(f"{name}: {exc.reason}; refused") from exc
    except (tarfile.TarError, EOFError) as exc:
        raise RedactionError(f"{name}: not a readable tar archive ({exc})") from exc


class _Counted:
    """A read-only stream wrapper counting the compressed bytes consumed (for bomb limits)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.count = 0

    def read(self, n: int = -1) -> bytes:
        data = self._raw.read(n)
        self.count += len(data)
        return data


def _member(
    pipeline: Pipeline,
    tin: tarfile.TarFile,
    tout: tarfile.TarFile | None,
    member: tarfile.TarInfo,
    display: str,
    guard: TarGuard,
) -> None:
    reason = guard.check(member)
    if reason is not None:
        pipeline.report.problem(display, reason, skipped=True)
        return
    if member.isdir() or member.issym() or member.islnk():
        if tout is not None:
            tout.addfile(member)
        return
    source = tin.extractfile(member)
    if source is None:
        pipeline.report.problem(display, "unreadable archive member; refused", skipped=True)
        return
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX) as spool:
        try:
            sink = cast(IO[bytes], NullSink() if tout is None else spool)
            pipeline.redact_stream(source, sink, display)
        except UnsupportedInput as exc:
            pipeline.report.problem(display, str(exc), skipped=True)
            return
        if tout is not None:
            info = tarfile.TarInfo(member.name)
            info.mode, info.mtime, info.type = member.mode, member.mtime, member.type
            info.uid, info.gid, info.uname, info.gname = (
                member.uid,
                member.gid,
                member.uname,
                member.gname,
            )
            info.size = spool.tell()
            spool.seek(0)
            tout.addfile(info, cast(IO[bytes], spool))


def _create(target: str) -> IO[bytes]:
    """Open an output file, making its folder first if it is not there yet.

    Folders are made where the first file needs them (by whichever worker writes it), so the
    parent process does not make thousands of folders one by one before any work starts.
    """
    try:
        return open(target, "wb")
    except FileNotFoundError:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        return open(target, "wb")


def redact_directory(
    pipeline: Pipeline, src: Path, dst: Path | None, progress: Progress | None
) -> None:
    """Redact every file under ``src`` into the same layout under ``dst`` (None: discard)."""
    for root, dirs, files in os.walk(src, followlinks=False):
        base = Path(root)
        rel_root = base.relative_to(src)
        for d in sorted(dirs):
            if (base / d).is_symlink():
                _directory_link(pipeline, base / d, rel_root / d, dst)
                dirs.remove(d)
            elif dst is not None:
                (dst / rel_root / d).mkdir(parents=True, exist_ok=True)
        dirs.sort()
        for f in sorted(files):
            redact_directory_file(pipeline, base / f, rel_root / f, dst, progress)


def _directory_link(pipeline: Pipeline, path: Path, rel: Path, dst: Path | None) -> None:
    target = os.readlink(path)
    if not link_inside(PurePosixPath(rel.parent.as_posix()), target):
        msg = f"symlink to {target!r} points outside the input; refused"
        pipeline.report.problem(rel.as_posix(), msg, skipped=True)
        return
    if dst is not None:
        (dst / rel).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, dst / rel)


def redact_directory_file(
    pipeline: Pipeline,
    path: Path | str,
    rel: Path | str,
    dst: Path | None,
    progress: Progress | None,
) -> None:
    """Redact one file of a folder into the same relative path under ``dst``.

    ``rel``: the path under the input folder (a string is ``/``-separated). Paths are handled
    as strings here: a must-gather is thousands of small files, and pathlib objects cost more
    per file than the syscalls they wrap.
    """
    display = rel if isinstance(rel, str) else rel.as_posix()
    info = os.lstat(path)
    mode, size = info.st_mode, info.st_size
    if stat.S_ISLNK(mode):
        _directory_link(pipeline, Path(path), Path(display), dst)
        return
    if not stat.S_ISREG(mode):
        pipeline.report.problem(display, "device, FIFO or socket; refused", skipped=True)
        return
    target = None if dst is None else os.path.join(dst, display)
    try:
        with open(path, "rb") as raw:
            src: IO[bytes] = raw
            if progress is not None:
                src = cast(IO[bytes], CountingReader(raw, progress))
            if target is None:
                pipeline.redact_stream(src, cast(IO[bytes], NullSink()), display)
                return
            with _create(target) as out:
                pipeline.redact_stream(src, out, display)
                written = out.tell()
        if stat.S_IMODE(mode) != _NEW_FILE_MODE:
            os.chmod(target, stat.S_IMODE(mode))
        pipeline.report.bytes_in += size
        pipeline.report.bytes_out += written
    except PermissionError:
        pipeline.report.problem(display, "permission denied; refused", skipped=True)
    except UnsupportedInput as exc:
        pipeline.report.problem(display, str(exc), skipped=True)
    else:
        return
    if target is not None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(target)
