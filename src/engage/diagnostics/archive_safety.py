"""Which archive members are safe to read: one set of rules for every reader of archives.

Every reader of customer archives (upload extraction in ``archives``, ``redact``, the bundle
reader and the analyzer's inputs) asks this module, so there is no weaker door. A member is
refused when its name is absolute (``/x``, ``C:``), climbs out with ``..``, holds a NUL byte or a
backslash, or is longer than ``MAX_NAME``; when it is a device, FIFO or any entry other than a
file, folder or link; and when it is a link, unless the reader keeps links as links
(``links="inside"``, only redact does) and the link stays inside the archive. Bomb limits (member
count, decompressed bytes, expansion ratio) are counted by ``Budget`` as bytes come out.
"""

from __future__ import annotations

import posixpath
import stat
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

MAX_NAME = 1024
Links = Literal["refuse", "inside"]


class ArchiveRejected(Exception):
    """An archive (or member) that is not read; ``reason`` says why in one sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ArchiveLimits:
    """How much an archive may unpack to; the ratio is only checked past ``ratio_floor``."""

    max_members: int = 20_000
    max_total_bytes: int = 8 << 30
    max_ratio: float = 200.0
    ratio_floor: int = 16 << 20


def name_problem(name: str) -> str | None:
    """Why a member name is unsafe, or None; the name is never rewritten, only judged."""
    if "\x00" in name or len(name) > MAX_NAME:
        return f"the archive holds a member with an unusable name ({name[:80]!r})"
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return f"the archive holds an absolute path ({name!r})"
    if ".." in name.replace("\\", "/").split("/"):
        return f"the archive holds a path that climbs out with '..' ({name!r})"
    if "\\" in name:
        return f"the archive holds a name with a backslash ({name!r})"
    return None


def member_path(name: str) -> PurePosixPath:
    """The safe relative path of an archive member name, or ArchiveRejected."""
    problem = name_problem(name)
    if problem is not None:
        raise ArchiveRejected(problem)
    parts = [p for p in name.split("/") if p not in ("", ".")]
    return PurePosixPath(*parts) if parts else PurePosixPath()


def link_inside(base: PurePosixPath, target: str) -> bool:
    """True when a relative link target, resolved from ``base``, stays inside the root."""
    if not target or "\x00" in target or "\\" in target or target[1:2] == ":":
        return False
    normal = posixpath.normpath(posixpath.join(base.as_posix() or ".", target))
    return normal != ".." and not normal.startswith("../") and not normal.startswith("/")


def tar_member_problem(member: tarfile.TarInfo, *, links: Links = "refuse") -> str | None:
    """Why a tar member is refused, or None for a safe file, folder (or inside link)."""
    problem = name_problem(member.name)
    if problem is not None:
        return problem
    if member.issym() or member.islnk():
        return _link_problem(member, links)
    if member.ischr() or member.isblk() or member.isfifo():
        return f"the archive holds a device or FIFO ({member.name!r})"
    if not (member.isfile() or member.isdir()):
        return f"the archive holds an unsupported entry ({member.name!r})"
    return None


def _link_problem(member: tarfile.TarInfo, links: Links) -> str | None:
    shown = f"({member.name!r} -> {member.linkname!r})"
    if links == "refuse":
        return f"the archive holds a link {shown}"
    base = PurePosixPath(member.name).parent if member.issym() else PurePosixPath()
    if not link_inside(base, member.linkname):
        return f"the archive holds a link that points outside it {shown}"
    return None


def zip_member_problem(info: zipfile.ZipInfo) -> str | None:
    """Why a zip member is refused (links are never honoured in zips), or None."""
    problem = name_problem(info.filename)
    if problem is not None:
        return problem
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return f"the archive holds a link ({info.filename!r})"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        return f"the archive holds a device or FIFO ({info.filename!r})"
    if info.flag_bits & 0x1:
        return f"the archive holds an encrypted member ({info.filename!r})"
    return None


class Budget:
    """Counts members and decompressed bytes against the limits; raises when one is crossed.

    ``compressed`` returns the compressed bytes consumed so far (for the expansion ratio).
    """

    def __init__(self, limits: ArchiveLimits, compressed: Callable[[], int]) -> None:
        self.limits = limits
        self.compressed = compressed
        self.total = 0
        self.members = 0

    def member(self) -> None:
        """Count one more member."""
        self.members += 1
        if self.members > self.limits.max_members:
            raise ArchiveRejected(f"the archive holds more than {self.limits.max_members} members")

    def spend(self, n: int) -> None:
        """Count ``n`` more decompressed bytes."""
        self.total += n
        if self.total > self.limits.max_total_bytes:
            raise ArchiveRejected(
                f"the archive unpacks to more than {human_size(self.limits.max_total_bytes)}"
            )
        if self.total > self.limits.ratio_floor:
            ratio = self.total / max(self.compressed(), 1)
            if ratio > self.limits.max_ratio:
                raise ArchiveRejected(
                    f"the archive expands more than {self.limits.max_ratio:.0f} times "
                    "(a compression bomb?)"
                )


class TarGuard:
    """One streaming tar reader's gatekeeper: ``check`` each member before reading it.

    Returns the reason a member must be skipped (None when it is safe) and raises
    ArchiveRejected when the archive as a whole crosses a bomb limit (stop reading). A tar
    member's data is exactly ``size`` bytes of the decompressed stream, so its size is charged
    before a byte is read.
    """

    def __init__(
        self,
        *,
        compressed: Callable[[], int],
        links: Links = "refuse",
        limits: ArchiveLimits | None = None,
    ) -> None:
        self.links = links
        self.budget = Budget(limits or ArchiveLimits(), compressed)

    def check(self, member: tarfile.TarInfo) -> str | None:
        """Why ``member`` is skipped, or None; ArchiveRejected for a bomb."""
        self.budget.member()
        self.budget.spend(max(member.size, 0) + tarfile.BLOCKSIZE)
        return tar_member_problem(member, links=self.links)


def human_size(n: int) -> str:
    """``8.0 GiB``-style size for messages."""
    size = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} bytes"  # pragma: no cover
