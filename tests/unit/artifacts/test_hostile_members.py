"""One table of hostile archive members, run against every reader of customer archives.

Each reader answers in its own way (extraction refuses the whole archive, redact skips and
reports the member, the bundle reader and the analyzer report it and read on), but none of
them lets a hostile member through. The rules themselves live in
``engage.diagnostics.archive_safety``.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from engage.diagnostics.analyze.inputs import InputProblems, iter_entries
from engage.diagnostics.archive_safety import (
    ArchiveLimits,
    ArchiveRejected,
    TarGuard,
    name_problem,
)
from engage.diagnostics.archives import extract_archive
from engage.diagnostics.bundle import verify_bundle
from engage.diagnostics.redact import RedactionError, Redactor
from tests.unit.artifacts.archive_builders import special, write

BENIGN: list[tuple[str, bytes]] = [
    ("bundle/manifest.json", b"{}"),
    ("bundle/logs/a.log", b"line 1\nline 2\n"),
]


@dataclass(frozen=True)
class Hostile:
    """One hostile member; ``kept_as_link`` when redact may keep it (a link inside)."""

    member: tarfile.TarInfo
    kept_as_link: bool = False


def _file(name: str, data: bytes = b"owned\n") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    if "\x00" in name:  # a plain header would cut the name at the NUL; a PAX one keeps it
        info.pax_headers = {"path": name}
    return info


HOSTILE: dict[str, Hostile] = {
    "absolute path": Hostile(_file("/etc/cron.d/evil")),
    "parent reference": Hostile(_file("../evil.log")),
    "parent reference deep": Hostile(_file("bundle/../../evil.log")),
    "backslash parent": Hostile(_file("..\\evil.log")),
    "backslash in name": Hostile(_file("bundle\\logs\\evil.log")),
    "drive letter": Hostile(_file("C:/Windows/evil.dll")),
    "drive relative": Hostile(_file("C:evil.dll")),
    "NUL in name": Hostile(_file("bundle/evil\x00.log")),
    "overlong name": Hostile(_file("bundle/" + "d/" * 600 + "evil.log")),
    "symlink out, absolute": Hostile(special("bundle/pw", tarfile.SYMTYPE, "/etc/passwd")),
    "symlink out, relative": Hostile(special("bundle/up", tarfile.SYMTYPE, "../../etc/passwd")),
    "symlink inside": Hostile(
        special("bundle/alias.log", tarfile.SYMTYPE, "logs/a.log"), kept_as_link=True
    ),
    "hard link out": Hostile(special("bundle/hard", tarfile.LNKTYPE, "../../etc/shadow")),
    "hard link inside": Hostile(
        special("bundle/hard.log", tarfile.LNKTYPE, "bundle/logs/a.log"), kept_as_link=True
    ),
    "character device": Hostile(special("bundle/tty", tarfile.CHRTYPE)),
    "block device": Hostile(special("bundle/sda", tarfile.BLKTYPE)),
    "FIFO": Hostile(special("bundle/pipe", tarfile.FIFOTYPE)),
    "unsupported entry": Hostile(special("bundle/volume", b"V")),
}


def _archive(tmp_path: Path, hostile: tarfile.TarInfo) -> Path:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
        for name, data in BENIGN:
            tar.addfile(_file(name, data), io.BytesIO(data))
        data = b"owned\n" if hostile.isfile() else b""
        tar.addfile(hostile, io.BytesIO(data) if data else None)
    return write(tmp_path / "in" / "bundle.tar.gz", buf.getvalue())


def _names(path: Path) -> set[str]:
    with tarfile.open(path) as tar:
        return set(tar.getnames())


def read_with_extract(archive: Path, tmp_path: Path, hostile: Hostile) -> None:
    dest = tmp_path / "x"
    with pytest.raises(ArchiveRejected):
        extract_archive(archive, dest)
    assert not dest.exists()


def read_with_redact(archive: Path, tmp_path: Path, hostile: Hostile) -> None:
    out = tmp_path / "out.tar.gz"
    report = Redactor(key=b"k").redact_path(archive, out)
    name = hostile.member.name
    if hostile.kept_as_link:
        assert name in _names(out) and not report.problems
        return
    assert name not in _names(out) and name.lstrip("/") not in _names(out)
    assert any(p.skipped and p.file == f"bundle.tar.gz/{name}" for p in report.problems)
    assert "bundle/logs/a.log" in _names(out)


def read_with_bundle(archive: Path, tmp_path: Path, hostile: Hostile) -> None:
    problems = verify_bundle(archive)
    assert any(p.startswith("unsafe member:") for p in problems), problems


def read_with_analyze(archive: Path, tmp_path: Path, hostile: Hostile) -> None:
    problems = InputProblems()
    paths = [entry.path for entry in iter_entries(archive, problems)]
    assert paths == ["bundle/manifest.json", "bundle/logs/a.log"]
    assert [path for path, _reason in problems.skipped] == [hostile.member.name]


READERS: dict[str, Callable[[Path, Path, Hostile], None]] = {
    "extract": read_with_extract,
    "redact": read_with_redact,
    "bundle": read_with_bundle,
    "analyze": read_with_analyze,
}


@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize("case", list(HOSTILE))
def test_no_reader_lets_a_hostile_member_through(tmp_path: Path, case: str, reader: str) -> None:
    hostile = HOSTILE[case]
    READERS[reader](_archive(tmp_path, hostile.member), tmp_path, hostile)


def _bomb(tmp_path: Path) -> Path:
    """A tar.gz holding 17 MiB of zeros: past the ratio floor, about 1000 times its size."""
    zeros = 17 << 20
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.addfile(_file("bundle/manifest.json", b"{}"), io.BytesIO(b"{}"))
        tar.addfile(_file("bundle/zeros.log", b"\0" * zeros), io.BytesIO(b"\0" * zeros))
    return write(tmp_path / "in" / "bundle.tar.gz", buf.getvalue())


def test_a_compression_bomb_stops_every_reader(tmp_path: Path) -> None:
    bomb = _bomb(tmp_path)
    with pytest.raises(ArchiveRejected, match="expands more than"):
        extract_archive(bomb, tmp_path / "x")
    with pytest.raises(RedactionError, match="expands more than"):
        Redactor(key=b"k").redact_path(bomb, tmp_path / "out.tar.gz")
    assert not (tmp_path / "out.tar.gz").exists()
    assert any("stopped reading" in p and "expands" in p for p in verify_bundle(bomb))
    problems = InputProblems()
    assert [e.path for e in iter_entries(bomb, problems)] == ["bundle/manifest.json"]
    assert "expands more than" in problems.skipped[-1][1]


def test_the_guard_counts_members_and_bytes() -> None:
    guard = TarGuard(compressed=lambda: 1 << 30, limits=ArchiveLimits(max_members=2))
    assert guard.check(_file("a")) is None and guard.check(_file("b")) is None
    with pytest.raises(ArchiveRejected, match="more than 2 members"):
        guard.check(_file("c"))
    small = TarGuard(compressed=lambda: 1 << 30, limits=ArchiveLimits(max_total_bytes=4096))
    with pytest.raises(ArchiveRejected, match="unpacks to more than"):
        small.check(_file("big", b"x" * 5000))


@pytest.mark.parametrize("name", ["bundle/logs/a.log", "./bundle/x", "a..b/c", "bundle/"])
def test_ordinary_names_pass(name: str) -> None:
    assert name_problem(name) is None
