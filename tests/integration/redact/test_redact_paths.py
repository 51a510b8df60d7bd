"""redact_path / verify_path on real files, folders and tarballs (gzip members, unsafe entries)."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
from pathlib import Path

import duckdb
import pytest

from engage.diagnostics.redact import RedactionError, Redactor, verify_path

FIXTURES = Path(__file__).parents[2] / "fixtures" / "redact"
SECRET_LOG = b"2024-05-01T00:00:00Z INF start\n2024-05-01T00:00:01Z DBG password=Hunter2-x9\n"


def _tree(root: Path) -> Path:
    (root / "logs").mkdir(parents=True)
    (root / "logs" / "cost-model.log").write_bytes(SECRET_LOG)
    (root / "logs" / "old.log.gz").write_bytes(gzip.compress(b"token=abcdef123456\n"))
    (root / "values.yaml").write_text("kubecostToken: tok-123456\nclusterName: prod\n")
    (root / "empty.txt").write_bytes(b"")
    (root / "profile.pb.gz").write_bytes(
        (FIXTURES.parent / "shared" / "pprof" / "parca_cpu_fib.pb.gz").read_bytes()
    )
    con = duckdb.connect(str(root / "agg.duckdb"))
    con.execute("create table t as select 'password=Hunter2-x9' as v")
    con.close()
    os.symlink("logs/cost-model.log", root / "link.log")
    os.symlink("/etc/passwd", root / "escape.log")
    return root


def test_folder_to_folder(tmp_path: Path) -> None:
    src = _tree(tmp_path / "in")
    report = Redactor(key=b"k").redact_path(src, tmp_path / "out")
    out = tmp_path / "out"
    assert b"Hunter2-x9" not in (out / "logs" / "cost-model.log").read_bytes()
    assert b"abcdef123456" not in gzip.decompress((out / "logs" / "old.log.gz").read_bytes())
    assert b"tok-123456" not in (out / "values.yaml").read_bytes()
    assert (out / "empty.txt").read_bytes() == b""
    for binary in ("profile.pb.gz", "agg.duckdb"):
        assert (out / binary).read_bytes() == (src / binary).read_bytes()
        assert binary in report.binary_files
    assert os.readlink(out / "link.log") == "logs/cost-model.log"
    assert not (out / "escape.log").exists()
    problems = {p.file: p for p in report.problems}
    assert problems["escape.log"].skipped and "outside" in problems["escape.log"].message
    assert "empty.txt" not in problems and report.empty_files == ["empty.txt"]
    assert report.counts_by_file["logs/cost-model.log"]["password"] == 1
    assert verify_path(out) == []
    assert [f.rule for f in verify_path(src)] != []


def _add(tar: tarfile.TarFile, name: str, data: bytes, **kw: object) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    for key, value in kw.items():
        setattr(info, key, value)
    tar.addfile(info, io.BytesIO(data))


def _bundle(path: Path) -> Path:
    inner = io.BytesIO()
    with tarfile.open(fileobj=inner, mode="w:gz") as nested:
        _add(nested, "nested/app.log", b"secret=nested-s3cret-99\n")
    with tarfile.open(path, "w:gz") as tar:
        _add(tar, "bundle/logs/cost-model.log", SECRET_LOG)
        _add(tar, "bundle/logs/rotated.log.gz", gzip.compress(b"api_key=k-1234567890\n"))
        _add(tar, "bundle/inner.tar.gz", inner.getvalue())
        _add(tar, "/etc/abs.log", b"x")
        _add(tar, "bundle/../../up.log", b"x")
        _add(tar, "bundle/dev", b"", type=tarfile.CHRTYPE)
        _add(tar, "bundle/evil-link", b"", type=tarfile.SYMTYPE, linkname="/etc/shadow")
        _add(tar, "bundle/ok-link", b"", type=tarfile.SYMTYPE, linkname="logs/cost-model.log")
        _add(tar, "bundle/archive.zip", b"PK\x03\x04rest-of-zip")
    return path


def _members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path) as tar:
        return {
            m.name: (tar.extractfile(m).read() if m.isfile() else b"")  # type: ignore[union-attr]
            for m in tar.getmembers()
        }


def test_tarball_to_tarball(tmp_path: Path) -> None:
    src = _bundle(tmp_path / "bundle.tar.gz")
    report = Redactor(key=b"k").redact_path(src, tmp_path / "out.tgz")
    members = _members(tmp_path / "out.tgz")
    assert b"Hunter2-x9" not in members["bundle/logs/cost-model.log"]
    assert b"k-1234567890" not in gzip.decompress(members["bundle/logs/rotated.log.gz"])
    nested = _members_bytes(members["bundle/inner.tar.gz"])
    assert b"nested-s3cret-99" not in nested["nested/app.log"]
    assert "bundle/ok-link" in members
    for refused in (
        "/etc/abs.log",
        "bundle/../../up.log",
        "bundle/dev",
        "bundle/evil-link",
        "bundle/archive.zip",
    ):
        assert refused not in members and refused.lstrip("/") not in members
    skipped = {p.file.split("/", 1)[1] for p in report.problems if p.skipped}
    assert {"/etc/abs.log", "bundle/dev", "bundle/evil-link", "bundle/archive.zip"} <= skipped
    assert verify_path(tmp_path / "out.tgz") == []


def _members_bytes(data: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]


def test_corrupt_tarball_leaves_no_output(tmp_path: Path) -> None:
    good = _bundle(tmp_path / "b.tar.gz").read_bytes()
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(good[: len(good) // 2])
    with pytest.raises(RedactionError):
        Redactor().redact_path(broken, tmp_path / "out.tar.gz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.tar.gz", "broken.tar.gz"]


@pytest.mark.parametrize(
    ("src_name", "dst_name", "message"),
    [("in.log", "out.tar.gz", "same kind"), ("b.tar.gz", "out.log", "same kind")],
)
def test_kind_mismatch_refused(tmp_path: Path, src_name: str, dst_name: str, message: str) -> None:
    (tmp_path / src_name).write_bytes(b"x\n")
    with pytest.raises(RedactionError, match=message):
        Redactor().redact_path(tmp_path / src_name, tmp_path / dst_name)


def test_existing_output_and_missing_input_refused(tmp_path: Path) -> None:
    (tmp_path / "a.log").write_bytes(b"x\n")
    (tmp_path / "b.log").write_bytes(b"y\n")
    with pytest.raises(RedactionError, match="already exists"):
        Redactor().redact_path(tmp_path / "a.log", tmp_path / "b.log")
    with pytest.raises(RedactionError, match="does not exist"):
        Redactor().redact_path(tmp_path / "nope.log", tmp_path / "c.log")
    with pytest.raises(RedactionError, match="inside the input"):
        Redactor().redact_path(tmp_path, tmp_path / "sub")


def test_single_zip_file_refused_without_output(tmp_path: Path) -> None:
    (tmp_path / "a.zip").write_bytes(b"PK\x03\x04xx")
    with pytest.raises(RedactionError, match="zip"):
        Redactor().redact_path(tmp_path / "a.zip", tmp_path / "b.zip")
    assert not (tmp_path / "b.zip").exists()


def test_unreadable_file_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "ok.log").write_bytes(b"fine\n")
    (src / "locked.log").write_bytes(b"password=Hunter2-x9\n")
    real_open = open

    def guarded(path: object, *args: object, **kwargs: object) -> object:
        if str(path).endswith("locked.log"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("engage.diagnostics.redact.archives.open", guarded, raising=False)
    report = Redactor().redact_path(src, tmp_path / "out")
    assert not (tmp_path / "out" / "locked.log").exists()
    assert any(p.file == "locked.log" and "permission" in p.message for p in report.problems)


def test_progress_reports_bytes(tmp_path: Path) -> None:
    src = _tree(tmp_path / "in")
    seen: list[int] = []
    Redactor().redact_path(src, tmp_path / "out", progress=seen.append)
    assert sum(seen) >= len(SECRET_LOG)


def test_two_gigabyte_style_single_line_stays_in_windows(tmp_path: Path) -> None:
    # 40 MiB without a newline (the same code path as 2 GB): processed in windows, not at once
    src = tmp_path / "one-line.log"
    with open(src, "wb") as fh:
        for _ in range(40):
            fh.write(b"a" * ((1 << 20) - 40) + b" password=Hunter2-x9 " + b"b" * 19)
    report = Redactor().redact_path(src, tmp_path / "out.log")
    data = (tmp_path / "out.log").read_bytes()
    assert b"Hunter2-x9" not in data and b"\n" not in data
    assert any("longer than" in p.message for p in report.problems)


@pytest.mark.parametrize("workers", [1, 2])
def test_folder_files_keep_their_modes(tmp_path: Path, workers: int) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for name, mode in (("run.sh", 0o755), ("private.env", 0o600), ("plain.log", 0o644)):
        (src / name).write_text("password=Hunter2-x9\n")
        (src / name).chmod(mode)
    Redactor(key=b"k", workers=workers).redact_path(src, tmp_path / "out")
    for name, mode in (("run.sh", 0o755), ("private.env", 0o600), ("plain.log", 0o644)):
        assert (tmp_path / "out" / name).stat().st_mode & 0o777 == mode, name
