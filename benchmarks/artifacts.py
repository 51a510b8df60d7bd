"""Benchmark artifact intake: safe extraction, object stores, DuckDB checks, HAR and pprof.

Each figure is timed next to a baseline in the same run (these machines are shared and noisy):

- safe extraction of a .tar.gz of logs vs ``tarfile.extractall(filter="data")``;
- ``put_content`` on the filesystem store vs ``shutil.copyfileobj`` to a file, and on S3
  (a moto server on loopback) vs boto3's own ``upload_fileobj``;
- the DuckDB check (child process, full checksummed scan) vs a bare ``count(*)`` per table;
- HAR preparation (parse, validate, redact, write) on a real 1.8 MB Chrome capture;
- pprof heap summary on a real Go heap profile (heap profile).

    python benchmarks/artifacts.py                 # about a minute
    python benchmarks/artifacts.py --logs-mb 400 --store-mb 256 --db-rows 5000000
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import random
import shutil
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support: loopback stand-ins

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"  # the project's own copies
ROOT = Path(__file__).resolve().parents[1]


def best_of(n: int, func: Callable[[], object]) -> float:
    """Fastest wall time of ``n`` runs, in seconds."""
    times = []
    for _ in range(n):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def make_logs_tarball(path: Path, size_mb: int) -> int:
    """A .tar.gz of Kubecost-like log files totalling about ``size_mb`` MB; returns bytes."""
    rng = random.Random(7)
    words = [
        "ETL",
        "Allocation",
        "Asset",
        "build",
        "complete",
        "querying",
        "prometheus",
        "cluster",
        "node",
        "pod",
        "aggregator",
        "ingest",
        "window",
        "duration",
        "error",
    ]
    line_pool = [
        f"2024-10-23T07:{i % 60:02d}:{i % 60:02d}.{i:06d}Z INF "
        + " ".join(rng.choice(words) for _ in range(12))
        + f" id={rng.randrange(1 << 40):x}\n"
        for i in range(5000)
    ]
    total = 0
    with tarfile.open(path, "w:gz", compresslevel=3) as tar:
        for n in range(max(1, size_mb // 16)):
            lines: list[str] = []
            size = 0
            while size < 16_000_000:
                lines.append(rng.choice(line_pool))
                size += len(lines[-1])
            data = "".join(lines).encode()
            info = tarfile.TarInfo(f"logs/kubecost/pod-{n}/cost-model.log")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            total += len(data)
    return total


def bench_extract(work: Path, size_mb: int) -> None:
    from engage.diagnostics.archives import extract_archive

    archive = work / "logs.tar.gz"
    total = make_logs_tarball(archive, size_mb)
    runs = iter(range(100))

    def ours() -> None:
        extract_archive(archive, work / f"ours-{next(runs)}")

    def baseline() -> None:
        with tarfile.open(archive) as tar:
            tar.extractall(work / f"base-{next(runs)}", filter="data")

    t_base, t_ours = best_of(3, baseline), best_of(3, ours)
    mb = total / 1e6
    print(
        f"extract  {mb:7.0f} MB logs.tar.gz  engage {mb / t_ours:6.0f} MB/s   "
        f"tarfile(filter=data) {mb / t_base:6.0f} MB/s   ratio {t_ours / t_base:4.2f}x"
    )


class Source(io.RawIOBase):
    """A non-seekable stream of ``size`` bytes (an upload arriving over the network)."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.block = random.Random(3).randbytes(1 << 20)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), len(self.block), self.left)
        buffer[:n] = self.block[:n]
        self.left -= n
        return n


def bench_stores(work: Path, size_mb: int) -> None:
    from tests.support.s3_server import S3Server

    from engage.adapters.objectstore import FilesystemObjectStore

    size = size_mb << 20
    runs = iter(range(100))

    def fs_ours() -> None:
        FilesystemObjectStore(work / f"objects-{next(runs)}").put_content(Source(size))  # type: ignore[arg-type]

    def fs_base() -> None:
        with open(work / f"copy-{next(runs)}", "wb") as dst:
            shutil.copyfileobj(Source(size), dst, 1 << 20)  # type: ignore[misc]

    def fs_durable() -> None:  # the same work put_content must do: hash, write, fsync
        sha = hashlib.sha256()
        with open(work / f"copy-{next(runs)}", "wb") as dst:
            src = Source(size)
            while block := src.read(1 << 20):
                sha.update(block)
                dst.write(block)
            dst.flush()
            os.fsync(dst.fileno())

    t_base, t_durable, t_ours = best_of(3, fs_base), best_of(3, fs_durable), best_of(3, fs_ours)
    mb = size / 1e6
    print(
        f"store    {mb:7.0f} MB filesystem   put_content {mb / t_ours:6.0f} MB/s   "
        f"copyfileobj {mb / t_base:6.0f} MB/s (ratio {t_ours / t_base:4.2f}x)   "
        f"copy+sha256+fsync {mb / t_durable:6.0f} MB/s (ratio {t_ours / t_durable:4.2f}x)"
    )
    with S3Server() as server:
        store = server.store("bench")
        client = server.client()
        s3_ours = best_of(2, lambda: store.put(f"ours/{next(runs)}", Source(size)))  # type: ignore[arg-type]
        s3_base = best_of(
            2, lambda: client.upload_fileobj(Source(size), "bench", f"base/{next(runs)}")
        )
    print(
        f"store    {mb:7.0f} MB S3 (moto)    put {mb / s3_ours:6.0f} MB/s   "
        f"boto3 upload_fileobj {mb / s3_base:6.0f} MB/s   ratio {s3_ours / s3_base:4.2f}x"
    )


def bench_duckdb(work: Path, rows: int) -> None:
    import duckdb

    from engage.diagnostics.duckdb_copy import inspect_database

    db = work / "kubecost-bench.duckdb.read"
    con = duckdb.connect(str(db))
    con.execute(
        "CREATE TABLE container_1d AS SELECT 'prod' AS cluster, 'ns' || (i % 50) AS namespace, "
        "'pod-' || i AS pod, 'c' || (i % 3) AS container, TIMESTAMP '2024-10-01' + "
        "INTERVAL (i % 30) DAY AS windowstart, i * 0.001 AS cpucost, i * 0.002 AS ramcost "
        f"FROM range({rows}) t(i)"
    )
    con.close()
    mb = db.stat().st_size / 1e6

    def baseline() -> None:
        c = duckdb.connect(str(db), read_only=True)
        for (name,) in c.execute("SELECT table_name FROM duckdb_tables()").fetchall():
            c.execute(f'SELECT count(*) FROM "{name}"').fetchone()
        c.close()

    t_base = best_of(3, baseline)
    t_ours = best_of(3, lambda: inspect_database(db))
    print(
        f"duckdb   {mb:7.0f} MB, {rows:,} rows  check {t_ours:5.2f} s ({mb / t_ours:5.0f} MB/s)   "
        f"count(*) in-process {t_base:5.2f} s   ratio {t_ours / max(t_base, 1e-9):4.1f}x"
    )


def bench_har(work: Path) -> None:
    from engage.diagnostics.artifacts import ArtifactKind, prepare_artifact

    har = FIXTURES / "shared" / "har" / "cnn-chrome-har-capturer_haralyzer.har"
    if not har.exists():
        print("har      (fixture HAR not found; skipped)")
        return
    mb = har.stat().st_size / 1e6
    t = best_of(
        3,
        lambda: prepare_artifact(
            ArtifactKind.HAR, har, original_name=har.name, scratch=work / "har"
        ),
    )
    print(f"har      {mb:7.1f} MB, 292 entries   prepare {t:5.2f} s ({mb / t:4.1f} MB/s)")


def bench_pprof() -> None:
    from engage.diagnostics.pprof import heap_summary, read_profile

    path = FIXTURES / "shared" / "pprof" / "parca_heap_parca-server_many-1644509299337903000.pb.gz"
    if not path.exists():
        print("pprof    (fixture profile not found; skipped)")
        return
    t = best_of(5, lambda: heap_summary(read_profile(path)))
    print(
        f"pprof    {path.stat().st_size / 1e3:5.0f} kB gz, heap profile   "
        f"read + summary {t * 1e3:5.0f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logs-mb", type=int, default=128)
    parser.add_argument("--store-mb", type=int, default=64)
    parser.add_argument("--db-rows", type=int, default=2_000_000)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    with tempfile.TemporaryDirectory(prefix="bench-artifacts-") as tmp:
        work = Path(tmp)
        bench_extract(work, args.logs_mb)
        shutil.rmtree(work)
        work.mkdir()
        bench_stores(work, args.store_mb)
        bench_duckdb(work, args.db_rows)
        bench_har(work)
        bench_pprof()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
