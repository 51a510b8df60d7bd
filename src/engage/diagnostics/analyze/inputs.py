"""Read what the analyzer is given: directories, tarballs, single files, bug-report text.

Everything is turned into a sequence of `Entry` objects (a path inside the input plus a way to
open its bytes), read in order so that `.tar.gz` members can be streamed without extracting.
Truncated archives stop the sequence and are reported; what was read so far is still analysed.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import tarfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from engage.diagnostics.analyze.kube import is_kubecost_name
from engage.diagnostics.archive_safety import ArchiveRejected, TarGuard

HEAD = 8192
BINARY_SUFFIXES = (
    ".gz",
    ".tgz",
    ".pb",
    ".pprof",
    ".duckdb",
    ".read",
    ".write",
    ".parquet",
    ".zip",
    ".png",
    ".jpg",
    ".db",
    ".wal",
    ".xz",
    ".bz2",
    ".har",
)
_SEPARATOR = re.compile(rb"^\+-{3,}", re.MULTILINE)
_SECTION = re.compile(r"^\|\s*([^\s:|]+):([^\s:|]+):([^\s:|]+)\s*\|?\s*$")
_BUNDLE_LOG = re.compile(r"pods/logs/([^/]+)/([^/]+)/([^/]+?)(-previous)?\.log$")
_MUST_GATHER_LOG = re.compile(
    r"namespaces/([^/]+)/pods/([^/]+)/([^/]+)/[^/]+/logs/(current|previous)[^/]*\.log$"
)
_ENV_PATH = re.compile(r"(?:^|/)(environments/([^/]+)/([^/]+)/([^/]+))/")


@dataclass
class Entry:
    """One file of the input: its path inside the input, size, and an opener for its bytes."""

    path: str
    size: int
    opener: Callable[[], AbstractContextManager[BinaryIO]]
    position: Callable[[], int] | None = None  # bytes of the input consumed so far


@dataclass
class InputProblems:
    """What could not be read, collected while iterating."""

    skipped: list[tuple[str, str]] = field(default_factory=list)

    def add(self, path: str, reason: str) -> None:
        """Record one skipped path with its reason."""
        self.skipped.append((path, reason))


def input_size(path: Path) -> int:
    """Bytes to process (sum of file sizes for a directory)."""
    if path.is_dir():
        return sum(_file_sizes(path))
    return path.stat().st_size


def _file_sizes(root: Path) -> Iterator[int]:
    for folder, _dirs, files in os.walk(root):
        for name in files:
            full = os.path.join(folder, name)
            if not os.path.islink(full):
                yield os.path.getsize(full)


def iter_entries(path: Path, problems: InputProblems) -> Iterator[Entry]:
    """Every file of a directory, tarball or single file, in a stable order."""
    if path.is_dir():
        yield from _iter_directory(path, problems)
    elif is_tarball(path):
        yield from _iter_tar(path, problems)
    else:
        yield Entry(path.name, path.stat().st_size, _file_opener(path))


def is_tarball(path: Path) -> bool:
    """Whether a file is a tar archive (gzip-compressed or not), judged by content."""
    with open(path, "rb") as handle:
        head = handle.read(512)
    if head[:2] == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as inner:
                block = inner.read(512)
        except (OSError, EOFError, zlib.error):
            return True  # a broken gzip: let the tar reader report it
        return len(block) >= 262 and block[257:262] == b"ustar"
    return len(head) >= 262 and head[257:262] == b"ustar"


def _iter_directory(root: Path, problems: InputProblems) -> Iterator[Entry]:
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            full = Path(folder, name)
            rel = full.relative_to(root).as_posix()
            if full.is_symlink():
                problems.add(rel, "symbolic link (not followed)")
                continue
            try:
                size = full.stat().st_size
            except OSError as exc:
                problems.add(rel, f"unreadable: {exc.strerror}")
                continue
            yield Entry(rel, size, _file_opener(full))


def _iter_tar(path: Path, problems: InputProblems) -> Iterator[Entry]:
    with path.open("rb") as raw:
        try:
            with tarfile.open(fileobj=raw, mode="r|*") as archive:
                yield from _members(archive, raw, problems, path.name)
        except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
            problems.add(path.name, f"archive truncated or corrupt, stopped reading: {exc}")


def _members(
    archive: tarfile.TarFile, raw: BinaryIO, problems: InputProblems, name: str
) -> Iterator[Entry]:
    guard = TarGuard(compressed=raw.tell)
    while True:
        try:
            member = archive.next()
        except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
            problems.add(name, f"archive truncated or corrupt, stopped reading: {exc}")
            return
        if member is None:
            return
        try:
            problem = guard.check(member)
        except ArchiveRejected as exc:
            problems.add(name, f"stopped reading: {exc.reason}")
            return
        if problem is not None:
            problems.add(member.name, problem)
            continue
        if member.isfile():
            yield Entry(
                member.name,
                member.size,
                lambda m=member: _member(archive, m),  # type: ignore[misc]
                position=raw.tell,
            )


def _file_opener(path: Path) -> Callable[[], AbstractContextManager[BinaryIO]]:
    def opener() -> AbstractContextManager[BinaryIO]:
        return path.open("rb")

    return opener


def _member(archive: tarfile.TarFile, member: tarfile.TarInfo) -> AbstractContextManager[BinaryIO]:
    handle = archive.extractfile(member)
    if handle is None:  # pragma: no cover - only regular files reach here
        return nullcontext(io.BytesIO(b""))
    return nullcontext(handle)  # type: ignore[arg-type]


def looks_binary(path: str, head: bytes) -> bool:
    """Binary by name (profiles, databases, archives) or by content (NUL bytes)."""
    lower = path.lower()
    if lower.endswith(BINARY_SUFFIXES) or "/aggregator-db/" in f"/{lower}":
        return True
    return b"\x00" in head


def is_bug_report(head: bytes) -> bool:
    """A Kubecost "Capture bug report" text: `+----` separators then `| ns:pod:container`."""
    for match in _SEPARATOR.finditer(head):
        rest = head[match.end() :].split(b"\n", 2)
        for line in rest[1:2]:
            if _SECTION.match(line.decode("utf-8", "replace").strip()):
                return True
    return False


@dataclass(frozen=True)
class Section:
    """One log section of a bug report: namespace, pod, container, first line, bytes."""

    namespace: str
    pod: str
    container: str
    first_line: int
    data: bytes


def split_bug_report(data: bytes) -> list[Section]:
    """Cut a bug report into its preamble and one section per `| ns:pod:container` header."""
    lines = data.split(b"\n")
    sections: list[Section] = []
    current = ("", "", "bug-report")
    start, body = 1, list[bytes]()
    index = 0
    while index < len(lines):
        line = lines[index]
        header = _header_after(lines, index) if line.startswith(b"+--") else None
        if header is not None:
            sections.append(Section(*current, start, b"\n".join(body)))
            current = header
            index += 2
            while index < len(lines) and lines[index].startswith(b"+--"):
                index += 1
            start, body = index + 1, []
            continue
        body.append(line)
        index += 1
    sections.append(Section(*current, start, b"\n".join(body)))
    return [s for s in sections if s.data.strip()]


def _header_after(lines: list[bytes], index: int) -> tuple[str, str, str] | None:
    if index + 1 >= len(lines):
        return None
    match = _SECTION.match(lines[index + 1].decode("utf-8", "replace").strip())
    return (match.group(1), match.group(2), match.group(3)) if match else None


@dataclass(frozen=True)
class LogIdentity:
    """Who wrote a log: namespace, pod, container, and whether it is a Kubecost workload."""

    namespace: str | None
    pod: str | None
    container: str
    kubecost: bool | None


def log_identity(path: str) -> LogIdentity:
    """Workload of a log file from bundle, troubleshoot or must-gather paths, else its name."""
    for regex in (_BUNDLE_LOG, _MUST_GATHER_LOG):
        match = regex.search(path)
        if match:
            ns, pod, container = match.group(1), match.group(2), match.group(3)
            kubecost = is_kubecost_name(pod) or is_kubecost_name(container) or ("kubecost" in ns)
            return LogIdentity(ns, pod, container, kubecost)
    stem = PurePosixPath(path).name.split(".")[0] or path
    return LogIdentity(None, None, stem, True if is_kubecost_name(path) else None)


def environment_of(path: str) -> tuple[str, str, str, str] | None:
    """(prefix, env, cluster, namespace) of an engage-bundle path, if it has one."""
    match = _ENV_PATH.search(path)
    return (match.group(1), match.group(2), match.group(3), match.group(4)) if match else None
