"""Aggregator database copies: opened read-only by duckdb in a child process, old formats named."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import pytest

from engage.diagnostics.artifacts import ArtifactKind, ArtifactRejected, prepare_artifact
from engage.diagnostics.duckdb_copy import (
    DatabaseRejected,
    inspect_database,
    storage_version,
    written_by,
)
from tests.support.k8s_scenarios import make_duckdb

FIXTURES = Path(__file__).parents[2] / "fixtures" / "artifacts"


@pytest.fixture(scope="module")
def v64_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus database in storage version 64, the format of Kubecost's v0_9_2 folder."""
    path = tmp_path_factory.mktemp("db") / "kubecost-1729600000.duckdb.read"
    path.write_bytes(gzip.decompress((FIXTURES / "evidence_needful_things.duckdb.gz").read_bytes()))
    return path


@pytest.fixture(scope="module")
def v51_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB 0.8.1 file (storage version 51) that current duckdb refuses."""
    path = tmp_path_factory.mktemp("old") / "kubecost-1600000000.duckdb.read"
    path.write_bytes(gzip.decompress((FIXTURES / "duckdb-0.8.1-storage51.read.gz").read_bytes()))
    return path


def pack(tmp_path: Path, files: dict[str, Path | bytes]) -> Path:
    """kubecost-aggregator.tar.gz the way download-aggregator.sh packs it."""
    out = tmp_path / "kubecost-aggregator.tar.gz"
    with tarfile.open(out, "w:gz") as tar:
        for name, src in files.items():
            data = src.read_bytes() if isinstance(src, Path) else src
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out


def prepare(upload: Path, tmp_path: Path, name: str = "kubecost-aggregator.tar.gz"):
    return prepare_artifact(
        ArtifactKind.AGGREGATOR_DB, upload, original_name=name, scratch=tmp_path / "scratch"
    )


def test_header_storage_versions(v64_db: Path, v51_db: Path, tmp_path: Path) -> None:
    assert storage_version(v64_db) == 64
    assert storage_version(v51_db) == 51
    assert "v0.8.0 or v0.8.1" in written_by(51)
    assert "v0_9_2" in written_by(64)
    assert "newer" in written_by(999)
    (tmp_path / "short").write_bytes(b"DUCK")
    assert storage_version(tmp_path / "short") is None


def test_inspect_lists_tables_and_row_counts(v64_db: Path) -> None:
    info = inspect_database(v64_db)
    assert info.tables == [{"schema": "main", "name": "orders", "columns": 15, "rows": 10000}]
    assert info.to_dict()["total_rows"] == 10000


def test_bare_read_file_is_accepted(v64_db: Path, tmp_path: Path) -> None:
    prepared = prepare(v64_db, tmp_path, name=v64_db.name)
    assert prepared.summary["storage_version"] == 64
    assert prepared.summary["tables"][0]["rows"] == 10000
    assert prepared.stored_path.read_bytes() == v64_db.read_bytes()


def test_kubecost_aggregator_tarball_is_accepted(tmp_path: Path) -> None:
    db = make_duckdb(tmp_path / "made" / "kubecost-aggregator-0.read")
    upload = pack(
        tmp_path,
        {
            "kc-aggregator-tmp/kubecost-aggregator-0.read": db,
            "kc-aggregator-tmp/notes.txt": b"copied during a pause\n",
        },
    )
    prepared = prepare(upload, tmp_path)
    rows = {t["name"]: t["rows"] for t in prepared.summary["tables"]}
    assert rows == {"container_1d": 500, "node_1d": 2}
    assert prepared.summary["file"] == "kc-aggregator-tmp/kubecost-aggregator-0.read"
    assert prepared.summary["other_files"] == ["kc-aggregator-tmp/notes.txt"]
    assert prepared.stored_path.name == "kubecost-aggregator-0.read"
    assert prepared.stored_path.read_bytes() == db.read_bytes()


def test_old_storage_format_gets_a_clear_reason(v51_db: Path, tmp_path: Path) -> None:
    upload = pack(tmp_path, {"v0_8_1/kubecost-1600000000.duckdb.read": v51_db})
    with pytest.raises(ArtifactRejected) as err:
        prepare(upload, tmp_path)
    reason = err.value.reason
    assert "storage version 51" in reason and "v0.8.0 or v0.8.1" in reason
    assert "Traceback" not in reason and "v0_9_2" in reason
    assert err.value.status == 422


def test_truncated_database_is_refused_without_a_trace(v64_db: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.read"
    cut.write_bytes(v64_db.read_bytes()[:300_000])
    with pytest.raises(DatabaseRejected) as err:
        inspect_database(cut)
    assert "cut short (300,000 bytes, its header needs 1,323,008 bytes)" in err.value.reason


@pytest.mark.parametrize("offset", [12_288, 600_000, 1_323_008 - 262_144])
def test_damaged_blocks_are_found_by_the_full_scan(
    v64_db: Path, tmp_path: Path, offset: int
) -> None:
    data = bytearray(v64_db.read_bytes())
    data[offset : offset + 4096] = b"\xab" * 4096
    damaged = tmp_path / "damaged.read"
    damaged.write_bytes(bytes(data))
    with pytest.raises(ArtifactRejected) as err:
        prepare(damaged, tmp_path, name="damaged.read")
    assert "storage version 64" in err.value.reason and "checksum" in err.value.reason
    assert "Traceback" not in err.value.reason


def test_garbage_after_a_duckdb_header_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "fake.read"
    fake.write_bytes(b"\x00" * 8 + b"DUCK" + (64).to_bytes(8, "little") + b"\xab" * 20_000)
    with pytest.raises(ArtifactRejected, match="cut short"):
        prepare(fake, tmp_path, name="fake.read")


def test_archive_without_a_database_is_refused(tmp_path: Path) -> None:
    upload = pack(tmp_path, {"kc-aggregator-tmp/readme.txt": b"forgot the file"})
    with pytest.raises(ArtifactRejected, match=r"no DuckDB \*\.read file"):
        prepare(upload, tmp_path)
    assert not any((tmp_path / "scratch").iterdir())


def test_wrong_content_is_refused(tmp_path: Path) -> None:
    png = tmp_path / "db.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    with pytest.raises(ArtifactRejected, match="neither a DuckDB database"):
        prepare(png, tmp_path, name="db.read")


def test_truncated_tarball_is_refused(v64_db: Path, tmp_path: Path) -> None:
    upload = pack(tmp_path, {"kc/x.read": v64_db})
    upload.write_bytes(upload.read_bytes()[:100_000])
    with pytest.raises(ArtifactRejected, match="truncated"):
        prepare(upload, tmp_path)
