"""Safe extraction: harmless archives unpack; every hostile shape is refused, nothing escapes."""

from __future__ import annotations

import os
import stat
import tarfile
import uuid
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engage.diagnostics.archives import (
    ArchiveLimits,
    ArchiveRejected,
    archive_format,
    extract_archive,
)
from tests.unit.artifacts.archive_builders import (
    encrypted_flag,
    gzip_bytes,
    overlapping_zip,
    special,
    tar_bytes,
    write,
    zip_bytes,
)

FILES = [("bundle/manifest.json", b"{}"), ("bundle/logs/a.log", b"line 1\nline 2\n")]


def files_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    "mode, fmt", [("w:gz", "tar.gz"), ("w", "tar"), ("w:xz", "tar.xz"), ("w:bz2", "tar.bz2")]
)
def test_tarballs_unpack(tmp_path: Path, mode: str, fmt: str) -> None:
    archive = write(
        tmp_path / "upload", tar_bytes([special("bundle", tarfile.DIRTYPE), *FILES], mode)
    )
    assert archive_format(archive) == fmt
    out = extract_archive(archive, tmp_path / "x")
    assert out.format == fmt
    assert files_under(out.root) == {"bundle/manifest.json", "bundle/logs/a.log"}
    assert (out.root / "bundle/logs/a.log").read_bytes() == b"line 1\nline 2\n"
    assert out.members == 3 and out.total_bytes > 0


def test_zip_unpacks(tmp_path: Path) -> None:
    archive = write(tmp_path / "logs.zip", zip_bytes([*FILES, ("bundle/empty/", b"")]))
    out = extract_archive(archive, tmp_path / "x")
    assert out.format == "zip"
    assert files_under(out.root) == {"bundle/manifest.json", "bundle/logs/a.log"}
    assert (tmp_path / "x/bundle/empty").is_dir()


def test_single_gzip_file_unpacks_under_its_inner_name(tmp_path: Path) -> None:
    archive = write(tmp_path / "upload", gzip_bytes(b"hello\n" * 100))
    out = extract_archive(archive, tmp_path / "x", inner_name="app.log")
    assert out.format == "gz"
    assert (out.root / "app.log").read_bytes() == b"hello\n" * 100


def test_format_comes_from_content_not_name(tmp_path: Path) -> None:
    assert archive_format(write(tmp_path / "fake.tar.gz", b"just text")) is None
    assert archive_format(write(tmp_path / "named.txt", zip_bytes(FILES))) == "zip"
    with pytest.raises(ArchiveRejected, match="not a tar, gzip or zip"):
        extract_archive(tmp_path / "fake.tar.gz", tmp_path / "x")
    assert not (tmp_path / "x").exists()


def assert_refused(archive: Path, dest: Path, match: str, **limits: int | float) -> None:
    with pytest.raises(ArchiveRejected, match=match) as err:
        extract_archive(archive, dest, limits=ArchiveLimits(**limits))  # type: ignore[arg-type]
    assert err.value.reason == str(err.value)
    assert not dest.exists(), "a refused archive leaves no half-written folder"


@pytest.mark.parametrize("builder", ["tar", "zip"])
def test_absolute_paths_are_refused(tmp_path: Path, builder: str) -> None:
    target = tmp_path / "outside" / "pwned.txt"
    members = [("ok.txt", b"fine"), (str(target), b"owned")]
    data = tar_bytes(members) if builder == "tar" else zip_bytes(members)
    assert_refused(write(tmp_path / "a", data), tmp_path / "x", "absolute path")
    assert not target.exists()


@pytest.mark.parametrize("builder", ["tar", "zip"])
@pytest.mark.parametrize("name", ["../escape.txt", "a/../../escape.txt", "..\\escape.txt"])
def test_parent_references_are_refused(tmp_path: Path, builder: str, name: str) -> None:
    members = [(name, b"owned")]
    data = tar_bytes(members) if builder == "tar" else zip_bytes(members)
    sandbox = tmp_path / "scratch"
    assert_refused(write(tmp_path / "a", data), sandbox / "x", r"'\.\.'")
    assert not (tmp_path / "escape.txt").exists() and not (sandbox / "escape.txt").exists()


def test_windows_drive_paths_are_refused(tmp_path: Path) -> None:
    assert_refused(
        write(tmp_path / "a", zip_bytes([("C:/Windows/evil.dll", b"x")])),
        tmp_path / "x",
        "absolute path",
    )


@pytest.mark.parametrize(
    "member, match",
    [
        (special("link", tarfile.SYMTYPE, "/etc/passwd"), "link"),
        (special("inner-link", tarfile.SYMTYPE, "logs/a.log"), "link"),
        (special("hard", tarfile.LNKTYPE, "bundle/manifest.json"), "link"),
        (special("dev/tty", tarfile.CHRTYPE), "device or FIFO"),
        (special("dev/sda", tarfile.BLKTYPE), "device or FIFO"),
        (special("pipe", tarfile.FIFOTYPE), "device or FIFO"),
        (special("volume", b"V"), "unsupported entry"),
    ],
)
def test_links_devices_and_fifos_are_refused(
    tmp_path: Path, member: tarfile.TarInfo, match: str
) -> None:
    archive = write(tmp_path / "a", tar_bytes([*FILES, member]))
    assert_refused(archive, tmp_path / "x", match)


def test_zip_symlinks_and_fifos_are_refused(tmp_path: Path) -> None:
    link = zip_bytes([("link", b"/etc/passwd")], mode=stat.S_IFLNK | 0o777)
    assert_refused(write(tmp_path / "l.zip", link), tmp_path / "x", "link")
    fifo = zip_bytes([("pipe", b"")], mode=stat.S_IFIFO | 0o644)
    assert_refused(write(tmp_path / "f.zip", fifo), tmp_path / "y", "device or FIFO")


def test_encrypted_zip_members_are_refused(tmp_path: Path) -> None:
    data = encrypted_flag(zip_bytes(FILES))
    assert zipfile.ZipFile(write(tmp_path / "e.zip", data)).infolist()[0].flag_bits & 1
    assert_refused(tmp_path / "e.zip", tmp_path / "x", "encrypted")


@pytest.mark.parametrize("builder", ["tar", "zip"])
def test_too_many_members_are_refused(tmp_path: Path, builder: str) -> None:
    members = [(f"f{i}.txt", b"x") for i in range(11)]
    data = tar_bytes(members) if builder == "tar" else zip_bytes(members)
    assert_refused(
        write(tmp_path / "a", data), tmp_path / "x", "more than 10 members", max_members=10
    )


@pytest.mark.parametrize("builder", ["tar", "zip", "gz"])
def test_total_size_above_the_limit_is_refused(tmp_path: Path, builder: str) -> None:
    big = os.urandom(1 << 20) * 2  # incompressible-ish, so the ratio check stays quiet
    data = {
        "tar": lambda: tar_bytes([("big.bin", big)]),
        "zip": lambda: zip_bytes([("big.bin", big)]),
        "gz": lambda: gzip_bytes(big),
    }[builder]()
    assert_refused(
        write(tmp_path / "a", data),
        tmp_path / "x",
        "unpacks to more than 1.0 MiB",
        max_total_bytes=1 << 20,
    )


@pytest.mark.parametrize("builder", ["tar", "zip", "gz"])
def test_compression_bombs_are_refused_by_ratio(tmp_path: Path, builder: str) -> None:
    zeros = bytes(32 << 20)
    data = {
        "tar": lambda: tar_bytes([("zeros", zeros)]),
        "zip": lambda: zip_bytes([("zeros", zeros)]),
        "gz": lambda: gzip_bytes(zeros),
    }[builder]()
    assert len(data) < 200_000
    assert_refused(
        write(tmp_path / "a", data),
        tmp_path / "x",
        "expands more than 100 times",
        max_ratio=100,
        ratio_floor=1 << 20,
    )


def test_gzip_size_trailer_is_not_trusted(tmp_path: Path) -> None:
    data = bytearray(gzip_bytes(bytes(8 << 20)))
    data[-4:] = (10).to_bytes(4, "little")  # ISIZE claims 10 bytes
    assert_refused(
        write(tmp_path / "a", bytes(data)),
        tmp_path / "x",
        "unpacks to more than",
        max_total_bytes=1 << 20,
    )


def test_zip_size_headers_are_not_trusted(tmp_path: Path) -> None:
    data = bytearray(zip_bytes([("a.bin", bytes(4 << 20))]))
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # uncompressed size fields
        pos = data.index(sig)
        data[pos + offset : pos + offset + 4] = (10).to_bytes(4, "little")
    dest = tmp_path / "x"
    with pytest.raises(ArchiveRejected):
        extract_archive(write(tmp_path / "a.zip", bytes(data)), dest)
    assert not dest.exists()


def test_overlapping_zip_members_are_refused(tmp_path: Path) -> None:
    bomb = overlapping_zip(bytes(1 << 20), copies=50)
    assert len(zipfile.ZipFile(write(tmp_path / "b.zip", bomb)).infolist()) == 50
    assert_refused(tmp_path / "b.zip", tmp_path / "x", "overlap")


@pytest.mark.parametrize("mode", ["w:gz", "w:xz", "w:bz2"])
def test_truncated_compressed_tarballs_are_refused(tmp_path: Path, mode: str) -> None:
    data = tar_bytes([("a.log", os.urandom(200_000))], mode)
    assert_refused(write(tmp_path / "a", data[: len(data) // 2]), tmp_path / "x", "truncated")


def test_truncated_single_gzip_is_refused(tmp_path: Path) -> None:
    data = gzip_bytes(os.urandom(100_000))
    assert_refused(write(tmp_path / "a", data[:-100]), tmp_path / "x", "truncated")


def test_truncated_plain_tar_is_refused(tmp_path: Path) -> None:
    data = tar_bytes([("a.log", b"x" * 100_000)], "w")
    assert_refused(write(tmp_path / "a", data[:50_000]), tmp_path / "x", "truncated")


def test_corrupt_gzip_is_refused(tmp_path: Path) -> None:
    data = bytearray(gzip_bytes(os.urandom(100_000)))
    data[-8] ^= 0xFF  # the CRC no longer matches
    assert_refused(write(tmp_path / "a", bytes(data)), tmp_path / "x", "corrupt")


def test_corrupt_zip_is_refused(tmp_path: Path) -> None:
    data = bytearray(zip_bytes([("a.txt", os.urandom(10_000))]))
    data[100:120] = bytes(20)
    assert_refused(write(tmp_path / "a.zip", bytes(data)), tmp_path / "x", "corrupt")


def test_duplicate_members_are_refused(tmp_path: Path) -> None:
    data = tar_bytes([("a.txt", b"first"), ("a.txt", b"second")])
    assert_refused(write(tmp_path / "a", data), tmp_path / "x", "twice")


def test_a_path_used_as_file_and_folder_is_refused(tmp_path: Path) -> None:
    data = tar_bytes([("a", b"file"), ("a/b", b"under a file")])
    assert_refused(write(tmp_path / "a.tar.gz", data), tmp_path / "x", "as file and folder")


def test_existing_destination_is_not_reused(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    with pytest.raises(FileExistsError):
        extract_archive(write(tmp_path / "a", tar_bytes(FILES)), tmp_path / "x")


NAMES = st.lists(
    st.lists(
        st.sampled_from(["a", "b", ".", "..", "/", "\\", "C:", "x/"]), min_size=1, max_size=8
    ).map("".join),
    min_size=1,
    max_size=6,
    unique=True,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(names=NAMES, use_zip=st.booleans())
def test_nothing_is_ever_written_outside_the_destination(
    tmp_path: Path, names: list[str], use_zip: bool
) -> None:
    sandbox = tmp_path / uuid.uuid4().hex
    sandbox.mkdir()
    members = [(n, b"data") for n in names]
    archive = write(
        tmp_path / f"{sandbox.name}.arc", zip_bytes(members) if use_zip else tar_bytes(members)
    )
    dest = sandbox / "scratch" / "x"
    try:
        extract_archive(archive, dest)
    except ArchiveRejected:
        assert not dest.exists()
    written = [p for p in sandbox.rglob("*") if p.is_file()]
    assert all(p.is_relative_to(dest) for p in written)
