"""Benchmark: `engage analyze` on a generated bundle with ~1 GB of Kubecost-like logs.

Prints MB/s of the analyzer against reading the same files with `cat > /dev/null` in the same
run, and shows that scanning cost stays flat as log-line rules are added (one hyperscan
database for all of them).

    python benchmarks/analyze.py [--size-mb 1024] [--keep DIR] [--baseline-src DIR]

`--baseline-src` points at the `src/` folder of another engage checkout (e.g. main, unpacked
with `git archive main src | tar -x -C /tmp/main`); its CLI is timed on the same logs in the
same run, so the two throughputs can be compared on a busy machine.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from engage.diagnostics.analyze import analyze_path, build_scanner, load_rules
from engage.diagnostics.analyze.catalogue import Catalogue
from engage.diagnostics.analyze.fallback import categorise
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
CONTAINERS = [
    ("kubecost-cost-analyzer-7d9f8c6b5-q2w3e", "cost-model"),
    ("kubecost-aggregator-0", "aggregator"),
    ("kubecost-cloud-cost-6b7c8d9e0-abcde", "cloud-cost"),
    ("kubecost-cost-analyzer-7d9f8c6b5-q2w3e", "cost-analyzer-frontend"),
    ("kubecost-network-costs-x7k2m", "kubecost-network-costs"),
]


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
    manifest = {
        "schema_version": 1,
        "engage_version": "bench",
        "created_at": "2024-05-16",
        "case_id": None,
        "collected_by": {"user": "bench", "host": "bench"},
        "environments": [{"name": "prod", "context": "bench", "instances": []}],
        "files": [],
        "redaction": {},
    }
    for env, cluster in instances:
        path = f"environments/{env}/{cluster}/kubecost"
        manifest["environments"][0]["instances"].append(  # type: ignore[index]
            {
                "cluster": cluster,
                "namespace": "kubecost",
                "release": "kubecost",
                "version": "2.4.2",
                "flavour": "2.x-duckdb",
                "path": path,
                "collectors": [],
            }
        )
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


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_cat(root: Path) -> tuple[float, float]:
    """(wall, CPU) seconds for `cat` of every log file to /dev/null."""
    cpu, start = _children_cpu(), time.perf_counter()
    subprocess.run(
        ["sh", "-c", 'find "$1" -type f -exec cat {} + > /dev/null', "sh", str(root)], check=True
    )
    return time.perf_counter() - start, _children_cpu() - cpu


def time_analyze(root: Path, src: Path | None = None) -> tuple[float, float, dict[str, object]]:
    """(wall, CPU) seconds of the real CLI (`engage analyze --format json`), and its summary;
    `src` runs another checkout's code instead (PYTHONPATH)."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    cpu, start = _children_cpu(), time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "engage", "analyze", str(root), "-f", "json", "-q"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    wall = time.perf_counter() - start
    if result.returncode not in (0, 3):
        raise SystemExit(f"engage analyze failed: {result.stderr}")
    return wall, _children_cpu() - cpu, json.loads(result.stdout)["summary"]


def time_in_process(root: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of analyze_path() itself, rules compiled beforehand (server worker)."""
    build_scanner()
    cpu, start = time.process_time(), time.perf_counter()
    analyze_path(root)
    return time.perf_counter() - start, time.process_time() - cpu


def rule_scaling(sample: Path) -> list[tuple[int, float, float]]:
    """MB/s of the scanner alone with 1, a quarter, half and all log rules: on the sample (1 %
    failing lines, so more rules also means more recognised lines handled in Python) and on
    healthy lines only (the per-byte cost of the rules themselves)."""
    rules = [r for r in load_rules() if r.patterns]
    data = sample.read_bytes()
    healthy = b"\n".join(
        line for line in data.split(b"\n") if not any(w in line for w in (b" ERR ", b"failed"))
    )
    results = []
    for count in sorted({1, max(1, len(rules) // 4), max(1, len(rules) // 2), len(rules)}):
        scanner = LogScanner(rules[:count])
        rates = []
        for text in (data, healthy):
            best = float("inf")
            for _ in range(3):
                start = time.process_time()
                scanner.scan(
                    io.BytesIO(text),
                    LogSource("bench", "cost-model", 0, True),
                    on_hit=lambda *a: None,
                )
                best = min(best, time.process_time() - start)
            rates.append(len(text) / best / 1e6)
        results.append((count, rates[0], rates[1]))
    return results


def catalogue_scaling() -> list[tuple[int, float]]:
    """Lines per second through the fallback categoriser with 1x, 4x and 16x the catalogue."""
    base = Catalogue.packaged().templates
    lines = [
        "Error getting node pricing. Error: Invalid Pricing Key us-east-1,m5.large",
        "failed to frobnicate the widget store: context deadline exceeded",
        "QueryAthenaPaginated: start query error: AccessDenied on bucket s3://cur",
    ] * 300
    results = []
    for factor in (1, 4, 16):
        entries = [
            {
                "package": t.package,
                "level": t.level,
                "category": t.category,
                "template": f"{t.text} variant{n}",
            }
            for n in range(factor)
            for t in base
        ]
        catalogue = Catalogue(entries)
        best = float("inf")
        for _ in range(3):
            start = time.process_time()
            for line in lines:
                categorise(line, "cost-model", catalogue)
            best = min(best, time.process_time() - start)
        results.append((len(catalogue), len(lines) / best))
    return results


def main() -> None:
    """Generate, time, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    parser.add_argument("--baseline-src", type=Path, help="src/ of a checkout to compare with")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="engage-bench-analyze-"))
    try:
        if not _files(root):
            generate(root, args.size_mb)
        total = sum(p.stat().st_size for p in _files(root))
        mb = total / 1e6
        cat_wall, cat_cpu = time_cat(root)
        cli_wall, cli_cpu, summary = time_analyze(root)
        base = None
        if args.baseline_src:  # alternate the two, best of 3 each: the machine is shared
            runs = [time_analyze(root, args.baseline_src)]
            for _ in range(2):
                wall, cpu, _summary = time_analyze(root)
                cli_wall, cli_cpu = min(cli_wall, wall), min(cli_cpu, cpu)
                runs.append(time_analyze(root, args.baseline_src))
            base = (min(r[0] for r in runs), min(r[1] for r in runs), runs[0][2])
        lib_wall, lib_cpu = time_in_process(root)
        cat_wall2, cat_cpu2 = time_cat(root)  # same run, warm cache for both
        cat_wall, cat_cpu = min(cat_wall, cat_wall2), min(cat_cpu, cat_cpu2)
        print(f"logs: {mb:,.0f} MB in {len(_files(root))} files across 4 instances")
        print(
            f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
            "(CPU seconds are the fair single-core figure on a busy machine)"
        )
        print(f"{'':26}{'wall s':>8}{'MB/s':>8}{'CPU s':>8}{'MB/s/CPU':>10}")
        rows = [
            ("cat > /dev/null", cat_wall, cat_cpu),
            ("engage analyze (CLI)", cli_wall, cli_cpu),
            ("analyze_path() in-process", lib_wall, lib_cpu),
        ]
        if base is not None:
            rows.append(("baseline CLI (--baseline-src)", base[0], base[1]))
        for name, wall, cpu in rows:
            print(f"{name:26}{wall:8.2f}{mb / wall:8.0f}{cpu:8.2f}{mb / max(cpu, 1e-9):10.0f}")
        print(
            f"ratio analyze/cat (wall): CLI {cli_wall / cat_wall:.1f}x, "
            f"in-process {lib_wall / cat_wall:.1f}x   findings: {summary}"
        )
        if base is not None:
            print(
                f"throughput vs baseline (CPU): {base[1] / max(cli_cpu, 1e-9):.2f}x "
                f"(wall {base[0] / cli_wall:.2f}x)   baseline findings: {base[2]}"
            )
        print("scanner alone by number of log-line rules (MB per CPU second, best of 3):")
        for count, rate, healthy in rule_scaling(_files(root)[0]):
            print(f"  {count:3d} rules: {rate:8.0f} MB/s   healthy lines only: {healthy:6.0f} MB/s")
        print("fallback categorisation by catalogue size (lines per CPU second, best of 3):")
        for count, rate in catalogue_scaling():
            print(f"  {count:6d} templates: {rate:10.0f} lines/s")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
