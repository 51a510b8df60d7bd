"""Engage bundles, heap profiles, screenshots, other files, size limits and names."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path

import pytest

from engage.diagnostics import artifacts
from engage.diagnostics.artifacts import (
    ArtifactKind,
    ArtifactRejected,
    human_size,
    safe_name,
    strip_compression,
)
from engage.diagnostics.bundle import BundleWriter, CollectedBy, Manifest
from engage.diagnostics.redact import Redactor
from tests.unit.artifacts.archive_builders import special, tar_bytes
from tests.unit.artifacts.conftest import SHARED, Prepare
from tests.unit.artifacts.pprof_builder import heap_profile_gz
from tests.unit.artifacts.test_prepare_text import SECRET_LOG, assert_rejected

K = ArtifactKind


# -- engage bundle -----------------------------------------------------------------------------
def make_bundle(tmp_path: Path, *, redaction: bool = True, case_id: str = "42") -> Path:
    redactor = Redactor()
    writer = BundleWriter(tmp_path / "staging", "engage-bundle-42", redactor)
    writer.write_text(
        "environments/prod/c1/kubecost/pods/logs/kubecost/cm/cost-model.log", io.BytesIO(SECRET_LOG)
    )
    writer.write_json("environments/prod/c1/kubecost/api/clusterInfo.json", {"version": "2.4.1"})
    manifest = Manifest(
        engage_version="0.1.0",
        created_at="2026-11-26T10:00:00Z",
        case_id=case_id,
        collected_by=CollectedBy(user="ada", host="laptop"),
        redaction=redactor.report.to_dict() if redaction else {},
    )
    return writer.pack(manifest, tmp_path / "engage-bundle-42.tar.gz")


def repack(bundle: Path, out: Path, change: dict[str, bytes | None]) -> Path:
    """Copy a bundle, replacing (bytes) or dropping (None) members by name suffix."""
    with tarfile.open(bundle) as src, tarfile.open(out, "w:gz") as dst:
        for member in src:
            hit = next((v for k, v in change.items() if member.name.endswith(k)), b"keep")
            if hit is None:
                continue
            data = src.extractfile(member).read() if hit == b"keep" else hit  # type: ignore[union-attr]
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    return out


def test_valid_bundle_is_kept_as_is(prepare: Prepare, tmp_path: Path) -> None:
    bundle = make_bundle(tmp_path)
    prepared = prepare(K.ENGAGE_BUNDLE, bundle, name=bundle.name)
    assert prepared.stored_path.read_bytes() == bundle.read_bytes()
    assert prepared.summary["case_id"] == "42" and prepared.summary["files"] == 2
    assert prepared.redaction and prepared.redaction["replacements"] >= 1
    assert prepared.analyzable is not None and (prepared.analyzable / "manifest.json").exists()


def test_bundle_with_a_changed_file_is_refused(
    prepare: Prepare, scratch: Path, tmp_path: Path
) -> None:
    bundle = repack(
        make_bundle(tmp_path), tmp_path / "t.tar.gz", {"cost-model.log": b"password=now-in-clear\n"}
    )
    err = assert_rejected(prepare, scratch, K.ENGAGE_BUNDLE, bundle, "checksum mismatch")
    assert "cost-model.log" in err.reason


def test_bundle_with_an_extra_file_is_refused(
    prepare: Prepare, scratch: Path, tmp_path: Path
) -> None:
    bundle = make_bundle(tmp_path)
    with tarfile.open(bundle) as src:
        members = [(m.name, src.extractfile(m).read()) for m in src if m.isfile()]  # type: ignore[union-attr]
    members.append(("engage-bundle-42/secrets.txt", b"token=abc"))
    assert_rejected(prepare, scratch, K.ENGAGE_BUNDLE, tar_bytes(members), "not in manifest")


def test_bundle_without_a_manifest_is_refused(
    prepare: Prepare, scratch: Path, tmp_path: Path
) -> None:
    bundle = repack(make_bundle(tmp_path), tmp_path / "t.tar.gz", {"manifest.json": None})
    assert_rejected(prepare, scratch, K.ENGAGE_BUNDLE, bundle, "no valid manifest")


def test_bundle_without_a_redaction_report_is_refused(
    prepare: Prepare, scratch: Path, tmp_path: Path
) -> None:
    bundle = make_bundle(tmp_path, redaction=False)
    assert_rejected(prepare, scratch, K.ENGAGE_BUNDLE, bundle, "no redaction report")


def test_bundle_with_a_symlink_is_refused(prepare: Prepare, scratch: Path) -> None:
    data = tar_bytes([("b/manifest.json", b"{}"), special("b/x", tarfile.SYMTYPE, "/etc")])
    assert_rejected(prepare, scratch, K.ENGAGE_BUNDLE, data, "link")


def test_non_archive_bundle_is_refused(prepare: Prepare, scratch: Path) -> None:
    assert_rejected(prepare, scratch, K.ENGAGE_BUNDLE, b'{"not": "a bundle"}', "engage collect")


def test_truncated_bundle_is_refused(prepare: Prepare, scratch: Path, tmp_path: Path) -> None:
    data = make_bundle(tmp_path).read_bytes()
    assert_rejected(prepare, scratch, K.ENGAGE_BUNDLE, data[: len(data) // 2], "truncated")


# -- heap profile ------------------------------------------------------------------------------
def test_heap_profile_is_stored_with_top_sites(prepare: Prepare) -> None:
    prepared = prepare(K.HEAP_PROFILE, heap_profile_gz(), name="heap")
    assert prepared.summary["top_sites"][0]["function"] == "cache.load"
    assert prepared.stored_path.read_bytes() == heap_profile_gz()
    assert prepared.redaction is None and prepared.analyzable is None


def test_real_heap_profile(prepare: Prepare) -> None:
    path = SHARED / "pprof" / "parca_heap_parca-server_many-1644509299337903000.pb.gz"
    prepared = prepare(K.HEAP_PROFILE, path, name=path.name)
    assert prepared.summary["samples"] == 241
    assert "inuse_space/bytes" in prepared.summary["sample_types"]


@pytest.mark.parametrize(
    "data, match",
    [
        (
            (SHARED / "pprof" / "parca_cpu_fib.pb.gz").read_bytes(),
            "not a heap profile.*cpu/nanoseconds",
        ),
        (b"heap profile: 1: 2 [3: 4] @ heap/1048576\n", "text form"),
        (json.dumps({"log": {"entries": []}}).encode(), "not gzip-compressed"),
        (gzip.compress(b"\x0f\x00garbage", mtime=0), "cannot be read"),  # mtime: a stable test id
        (heap_profile_gz()[:-30], "truncated"),
    ],
)
def test_heap_profile_problems(prepare: Prepare, scratch: Path, data: bytes, match: str) -> None:
    assert_rejected(prepare, scratch, K.HEAP_PROFILE, data, match)


# -- screenshot and other ----------------------------------------------------------------------
PNG = (
    b"\x89PNG\r\n\x1a\n"
    + b"\x00\x00\x00\x0dIHDR"
    + (1280).to_bytes(4, "big")
    + (720).to_bytes(4, "big")
    + b"\x08\x06\x00\x00\x00"
    + b"\x00" * 64
)


def test_png_and_jpeg_screenshots(prepare: Prepare) -> None:
    png = prepare(K.SCREENSHOT, PNG, name="screen.png")
    assert png.summary == {"format": "png", "bytes": len(PNG), "width": 1280, "height": 720}
    jpeg = prepare(K.SCREENSHOT, b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 50, name="s.jpg")
    assert jpeg.summary["format"] == "jpeg"


@pytest.mark.parametrize("data", [b"GIF89a" + b"\x00" * 20, b"<svg></svg>", SECRET_LOG])
def test_other_images_and_text_are_not_screenshots(
    prepare: Prepare, scratch: Path, data: bytes
) -> None:
    assert_rejected(prepare, scratch, K.SCREENSHOT, data, "PNG or JPEG", name="screen.png")


def test_other_files_need_the_raw_data_policy(prepare: Prepare, scratch: Path) -> None:
    assert_rejected(prepare, scratch, K.OTHER, b"anything", "policy does not allow")
    prepared = prepare(K.OTHER, b"anything", name="notes.docx", allow_raw=True)
    assert prepared.stored_path.read_bytes() == b"anything"
    assert prepared.stored_path.name == "notes.docx"


# -- limits and names --------------------------------------------------------------------------
def test_size_limit_per_kind(
    prepare: Prepare, scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(artifacts.SIZE_LIMITS, K.SCREENSHOT, 1024)
    err = assert_rejected(prepare, scratch, K.SCREENSHOT, PNG + b"\x00" * 2000, "at most 1.0 KiB")
    assert "a screenshot" in err.reason


def test_empty_upload_is_refused(prepare: Prepare, scratch: Path) -> None:
    assert_rejected(prepare, scratch, K.LOGS, b"", "empty")


def test_every_kind_has_a_preparer_and_a_limit() -> None:
    artifacts._load_builtin()
    assert set(artifacts.PREPARERS) == set(ArtifactKind) == set(artifacts.SIZE_LIMITS)


def test_unknown_kind_is_a_value_error(prepare: Prepare) -> None:
    with pytest.raises(ValueError):
        prepare("core-dump", b"x")


def test_prepared_files_stay_in_scratch(prepare: Prepare, scratch: Path) -> None:
    prepared = prepare(K.LOGS, SECRET_LOG, name="../../../../etc/cron.d/evil.log")
    assert prepared.stored_path.is_relative_to(scratch)
    assert prepared.stored_path.name == "evil.log"
    assert prepared.original_name == "../../../../etc/cron.d/evil.log"


@pytest.mark.parametrize(
    "name, safe",
    [
        ("kubecost-bug-report.txt", "kubecost-bug-report.txt"),
        ("C:\\Users\\ada\\heap.pb.gz", "heap.pb.gz"),
        ("../../.bashrc", "bashrc"),
        ("my values (prod).yaml", "my_values_prod_.yaml"),
        ("..", "upload"),
        ("a" * 300 + ".har", "a" * 116 + ".har"),
    ],
)
def test_safe_name(name: str, safe: str) -> None:
    assert safe_name(name) == safe


def test_strip_compression_and_human_size() -> None:
    assert strip_compression("a.log.gz") == "a.log"
    assert strip_compression("b.tgz") == "b.tar"
    assert strip_compression(".gz") == ".gz"
    assert human_size(1536) == "1.5 KiB" and human_size(10) == "10 bytes"
    assert human_size(3 << 30) == "3.0 GiB"


def test_rejection_reason_reads_as_a_sentence() -> None:
    assert ArtifactRejected("the file is empty").reason == "The file is empty."
    assert ArtifactRejected("Already done?").reason == "Already done?"
