"""Bundle writer, manifest and verification."""

from __future__ import annotations

import errno
import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest

from engage.diagnostics.bundle import (
    BundleClosed,
    BundleError,
    BundleWriter,
    CollectedBy,
    DiskFull,
    Manifest,
    read_manifest,
    verify_bundle,
)


def _manifest() -> Manifest:
    return Manifest(
        engage_version="0.1.0",
        created_at="2025-01-01T00:00:00Z",
        collected_by=CollectedBy(user="u", host="h"),
    )


def _bundle(tmp_path: Path, redactor) -> Path:
    w = BundleWriter(tmp_path / "stage", "engage-bundle-h-20250101T000000Z", redactor)
    w.write_text(
        "environments/p/c/ns/cluster-resources/pods/logs/ns/p/c.log", io.BytesIO(b"a\nb\n")
    )
    w.write_json(
        "environments/p/c/ns/cluster-resources/pods/ns.json", {"kind": "PodList", "items": []}
    )
    w.write_binary(
        "environments/p/c/ns/profiles/cost-model-heap.pb.gz", [b"\x1f\x8b", b"\x00" * 10]
    )
    return w.pack(_manifest(), tmp_path / "b.tar.gz")


def test_pack_lists_every_file_with_size_and_sha(tmp_path: Path, copying_redactor) -> None:
    out = _bundle(tmp_path, copying_redactor)
    m = read_manifest(out)
    by_path = {f.path: f for f in m.files}
    log = by_path["environments/p/c/ns/cluster-resources/pods/logs/ns/p/c.log"]
    assert (log.size, log.sha256, log.binary) == (4, hashlib.sha256(b"a\nb\n").hexdigest(), False)
    assert by_path["environments/p/c/ns/profiles/cost-model-heap.pb.gz"].binary is True
    assert verify_bundle(out) == []
    with tarfile.open(out) as tar:
        names = tar.getnames()
    assert names[0] == "engage-bundle-h-20250101T000000Z/manifest.json"
    assert {n.split("/")[0] for n in names} == {"engage-bundle-h-20250101T000000Z"}


def test_text_goes_through_the_redactor_binary_does_not(tmp_path: Path, copying_redactor) -> None:
    _bundle(tmp_path, copying_redactor)
    assert not any(n.endswith(".pb.gz") for n in copying_redactor.names)
    assert any(n.endswith("c.log") for n in copying_redactor.names)


def _rewrite(src: Path, dst: Path, change) -> Path:
    with tarfile.open(src) as tin, tarfile.open(dst, "w:gz") as tout:
        for member in tin:
            data = tin.extractfile(member).read() if member.isfile() else None
            member, data = change(member, data)
            if member is not None:
                tout.addfile(member, io.BytesIO(data) if data is not None else None)
    return dst


def test_tampered_file_is_reported(tmp_path: Path, copying_redactor) -> None:
    out = _bundle(tmp_path, copying_redactor)

    def flip(member, data):
        if member.name.endswith("c.log"):
            data = b"A\nb\n"
        return member, data

    bad = _rewrite(out, tmp_path / "bad.tar.gz", flip)
    assert verify_bundle(bad) == [
        "checksum mismatch: environments/p/c/ns/cluster-resources/pods/logs/ns/p/c.log"
    ]


def test_missing_and_extra_files_are_reported(tmp_path: Path, copying_redactor) -> None:
    out = _bundle(tmp_path, copying_redactor)

    def drop_and_add(member, data):
        if member.name.endswith(".pb.gz"):
            member = tarfile.TarInfo(member.name.replace("cost-model", "intruder"))
            member.size = len(data)
        return member, data

    bad = _rewrite(out, tmp_path / "bad.tar.gz", drop_and_add)
    problems = verify_bundle(bad)
    assert "missing file: environments/p/c/ns/profiles/cost-model-heap.pb.gz" in problems
    assert "file not in manifest: environments/p/c/ns/profiles/intruder-heap.pb.gz" in problems


def test_verify_extracted_folder(tmp_path: Path, copying_redactor) -> None:
    out = _bundle(tmp_path, copying_redactor)
    with tarfile.open(out) as tar:
        tar.extractall(tmp_path / "x", filter="data")
    assert verify_bundle(tmp_path / "x") == []
    (tmp_path / "x" / "engage-bundle-h-20250101T000000Z" / "stray.txt").write_text("hi")
    assert verify_bundle(tmp_path / "x") == ["file not in manifest: stray.txt"]


def test_not_a_bundle(tmp_path: Path) -> None:
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tar")
    with pytest.raises(BundleError, match="not a readable bundle"):
        verify_bundle(junk)
    empty = tmp_path / "e.tar.gz"
    with tarfile.open(empty, "w:gz") as tar:
        info = tarfile.TarInfo("top/manifest.json")
        body = json.dumps({"schema_version": 1}).encode()
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    assert verify_bundle(empty)[0].startswith("manifest.json is not a valid engage manifest")


def test_unsafe_paths_are_refused(tmp_path: Path, copying_redactor) -> None:
    w = BundleWriter(tmp_path, "top", copying_redactor)
    with pytest.raises(BundleError, match="unsafe path"):
        w.write_binary("../escape.bin", [b"x"])


def test_writes_after_close_are_dropped(tmp_path: Path, copying_redactor) -> None:
    w = BundleWriter(tmp_path, "top", copying_redactor)
    w.close()
    with pytest.raises(BundleClosed):
        w.write_binary("late.bin", [b"x"])
    assert w.files == []


def test_disk_full_is_a_named_error(tmp_path: Path, copying_redactor) -> None:
    w = BundleWriter(tmp_path, "top", copying_redactor)

    def chunks():
        yield b"x"
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(DiskFull, match=r"disk full while writing big\.bin"):
        w.write_binary("big.bin", chunks())
    assert w.files == []
    assert not (w.root / "big.bin").exists()
