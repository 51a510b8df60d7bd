"""Benchmark: `engage analyze` on a generated bundle with ~1 GB of Kubecost-like logs.

Prints MB/s of the analyzer against reading the same files with `cat > /dev/null` in the same
run, and shows that scanning cost stays flat as log-line rules are added (one hyperscan
database for all of them).

    python benchmarks/analyze.py [--size-mb 1024] [--keep DIR]
"""

from __future__ import annotations

import argparse
import io
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from engage.diagnostics.analyze import analyze_path, build_scanner, load_rules
from engage.diagnostics.analyze.scanner import LogScanner, LogSource

HEALTHY = [
    "INF ETL: Allocation[1h]: Run: completed window [{t}, +1h) in 1.{n}s",
    "INF CostModel.ComputeAllocation: {n} pods, 42 nodes, 17 namespaces",
    "DBG Prometheus query succeeded in {n}ms: sum(container_memory_working_set_bytes) by (pod)",
    "INF Ingestor: inserted {n} rows for federated/prod-{n}/etl/bingen/allocations/1h",
    "INF http: GET /model/allocation?window=7d&aggregate=namespace 200 {n}ms",
    "WRN CloudCost: integration aws-main next run in {n}m",
    "INF orchestrator: state derive -> ingest (bucket refresh {n}s)",
]
# Realistic failures, about 1 % of lines.
FAILING = [
    "ERR Prometheus communication error: nil queryResult for query {n}",
    "ERR ETL: Asset[1d]: Build[x{n}]: MergeRange error: boundary error: requested [{t}, x); "
    "supported [y, z)",
    "ERR CloudCost[1234/s3://cur]: ingestor: build failed for window [{t}, x): "
    "QueryAthenaPaginated: query execution error: no query results available for query {n}",
    "WRN ClusterStorage: failed to connect to cluster storage. retry in 5s",
    "ERR failed to write /var/configs/db/etl/{n}: no space left on device",
]
CONTAINERS = [("kubecost-cost-analyzer-7d9f8c6b5-q2w3e", "cost-model"),
              ("kubecost-aggregator-0", "aggregator"),
              ("kubecost-cloud-cost-6b7c8d9e0-abcde", "cloud-cost"),
              ("kubecost-cost-analyzer-7d9f8c6b5-q2w3e", "cost-analyzer-frontend"),
              ("kubecost-network-costs-x7k2m", "kubecost-network-costs")]


def _block(rng: random.Random, hour: int, lines: int = 20000) -> bytes:
    out = []
    for n in range(lines):
        stamp = f"2024-05-{14 + hour // 24:02d}T{hour % 24:02d}:{n % 60:02d}:{n % 60:02d}.{n:06d}Z"
        pool = FAILING if rng.random() < 0.01 else HEALTHY
        out.append(stamp + " " + rng.choice(pool).format(t=stamp, n=rng.randint(1, 99999)))
    return ("\n".join(out) + "\n").encode()


def generate(root: Path, size_mb: int) -> Path:
    """An engage bundle folder with 4 instances x 5 containers of logs, `size_mb` in total."""
    rng = random.Random(7)
    blocks = [_block(rng, hour) for hour in range(48)]
    instances = [("prod", f"eks-{n}") for n in range(4)]
    per_file = size_mb * 1024 * 1024 // (len(instances) * len(CONTAINERS))
    manifest = {"schema_version": 1, "engage_version": "bench", "created_at": "2024-05-16",
                "case_id": None, "collected_by": {"user": "bench", "host": "bench"},
                "environments": [{"name": "prod", "context": "bench", "instances": []}],
                "files": [], "redaction": {}}
    for env, cluster in instances:
        path = f"environments/{env}/{cluster}/kubecost"
        manifest["environments"][0]["instances"].append(  # type: ignore[index]
            {"cluster": cluster, "namespace": "kubecost", "release": "kubecost",
             "version": "2.4.2", "flavour": "2.x-duckdb", "path": path, "collectors": []})
        for pod, container in CONTAINERS:
            folder = root / path / "cluster-resources/pods/logs/kubecost" / pod
            folder.mkdir(parents=True, exist_ok=True)
            with (folder / f"{container}.log").open("wb") as handle:
                written, index = 0, rng.randrange(len(blocks))
                while written < per_file:
                    block = blocks[index % len(blocks)]
                    handle.write(block)
                    written += len(block)
                    index += 1
    (root / "manifest.json").write_text(json.dumps(manifest))
    return root


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.log"))


def time_cat(root: Path) -> float:
    """Seconds for `cat` of every log file to /dev/null."""
    start = time.perf_counter()
    subprocess.run(["sh", "-c", 'find "$1" -type f -exec cat {} + > /dev/null', "sh",
                    str(root)], check=True)
    return time.perf_counter() - start


def time_analyze(root: Path) -> tuple[float, dict[str, object]]:
    """Seconds for the real CLI (`engage analyze --format json`), and its summary."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "engage", "analyze", str(root), "-f", "json",
                             "-q"], capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode not in (0, 3):
        raise SystemExit(f"engage analyze failed: {result.stderr}")
    return elapsed, json.loads(result.stdout)["summary"]


def time_in_process(root: Path) -> float:
    """Seconds for analyze_path() itself (rules compiled beforehand, as in a server worker)."""
    build_scanner()
    start = time.perf_counter()
    analyze_path(root)
    return time.perf_counter() - start


def rule_scaling(sample: Path) -> list[tuple[int, float]]:
    """MB/s of the scanner alone on one file with 1, a quarter, half and all log rules."""
    rules = [r for r in load_rules() if r.patterns]
    data = sample.read_bytes()
    results = []
    for count in sorted({1, max(1, len(rules) // 4), max(1, len(rules) // 2), len(rules)}):
        scanner = LogScanner(rules[:count])
        start = time.perf_counter()
        scanner.scan(io.BytesIO(data), LogSource("bench", "cost-model", 0, True),
                     on_hit=lambda *a: None)
        results.append((count, len(data) / (time.perf_counter() - start) / 1e6))
    return results


def main() -> None:
    """Generate, time, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="engage-bench-analyze-"))
    try:
        if not _files(root):
            generate(root, args.size_mb)
        total = sum(p.stat().st_size for p in _files(root))
        mb = total / 1e6
        cat_s = time_cat(root)
        analyze_s, summary = time_analyze(root)
        engine_s = time_in_process(root)
        cat_s = min(cat_s, time_cat(root))  # same run, warm cache for both
        print(f"logs: {mb:,.0f} MB in {len(_files(root))} files across 4 instances")
        print(f"cat > /dev/null : {cat_s:6.2f} s  {mb / cat_s:8.0f} MB/s")
        print(f"engage analyze  : {analyze_s:6.2f} s  {mb / analyze_s:8.0f} MB/s  "
              f"(one core, all rules, CLI start-up included)")
        print(f"analyze_path()  : {engine_s:6.2f} s  {mb / engine_s:8.0f} MB/s  "
              f"(in-process, rules already compiled)")
        print(f"ratio analyze/cat: {analyze_s / cat_s:.1f}x (CLI), {engine_s / cat_s:.1f}x "
              f"(in-process)   findings: {summary}")
        print("scanner alone by number of log-line rules (MB/s):")
        for count, rate in rule_scaling(_files(root)[0]):
            print(f"  {count:3d} rules: {rate:8.0f} MB/s")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
