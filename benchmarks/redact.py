"""Benchmark `engage redact` against `cp -r` (and `sos clean` when it is installed).

Generates realistic Kubecost container logs (cost-model, aggregator, frontend; a few planted
secrets per MB), then times, in the same run:

- `cp -r` of the tree (the floor: reading and writing every byte),
- `engage redact TREE -o OUT` (one process, one core),
- `sos clean` on a slice of the same logs laid out as an sos report, if `sos` is installed.

Prints MB/s, the ratio to the copy, peak memory of the redact process, and checks that every
planted secret is gone from the output.

    python benchmarks/redact.py               # about 1 GB
    python benchmarks/redact.py --size-mb 200 --keep /tmp/bench
    python benchmarks/redact.py --size-mb 200 --bundles ../shared/corpus/k8s-logs
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FILE_MB = 64
SECRETS_PER_MB = 4
SOS_SLICE_MB = 16


def _pod(rng: random.Random, base: str) -> str:
    suffix = "".join(rng.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5))
    return f"{base}-{rng.randrange(16**9):09x}-{suffix}"


def _line_pool(rng: random.Random, component: str) -> list[str]:
    """A few thousand realistic, varied log lines for one component."""
    lines = []
    for i in range(4000):
        ts = f"2024-05-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:{(i * 7) % 60:02d}.{i:06d}Z"
        ns, pod = rng.choice(["kubecost", "default", "monitoring"]), _pod(rng, "app")
        ip = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        if component == "cost-model":
            lines += [
                f"{ts} INF ComputeAllocation: window [2024-05-01T00:00:00+0000, "
                f"2024-05-02T00:00:00+0000) took {rng.random() * 9:.3f}s",
                f"{ts} DBG Prometheus query: sum(container_memory_working_set_bytes"
                f'{{namespace="{ns}",pod="{pod}",container!=""}}) by (pod, node)',
                f"{ts} WRN CostModel.ComputeAllocation: pod {ns}/{pod} has no node, "
                f"uid={rng.randrange(16**8):08x}-0000-4000-8000-{rng.randrange(16**12):012x}",
                f"{ts} ERR CostDataRange: Request Error: 503 (Service Unavailable) URL: "
                "'http://kubecost-prometheus-server.kubecost/api/v1/query_range' Body: "
                '{"status":"error","errorType":"timeout","error":"query timed out in query queue"}',
            ]
        elif component == "aggregator":
            lines += [
                f'{{"level":"info","time":"{ts}","message":"ingestion: allocation 1d done",'
                f'"rows":{rng.randrange(10**6)},"cluster":"cluster-{i % 7}","took":"2.1s"}}',
                f"{ts} INF derivation: container_1d [2024-04-30, 2024-05-01) "
                f"rows={rng.randrange(10**5)} readDBPath=/var/configs/waterfowl/duckdb/v0_9_2/"
                f"kubecost-{rng.randrange(10**9)}.duckdb.read",
                f"{ts} DBG bucket list: federated/cluster-{i % 7}/etl/bingen/allocations/1d/"
                f"{1714521600 + i * 86400}-{1714608000 + i * 86400}",
            ]
        else:
            lines += [
                f'{ip} - - [01/May/2024:12:{i % 60:02d}:04 +0000] "GET /model/allocation?'
                f'window=7d&aggregate=namespace&accumulate=true HTTP/1.1" 200 {rng.randrange(10**6)}'
                ' "-" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36" "-"',
                f'{ip} - - [01/May/2024:12:{i % 60:02d}:05 +0000] "GET /model/clusterInfo HTTP/1.1"'
                f' 200 {rng.randrange(2000)} "https://kubecost.example.internal/overview" "-"',
            ]
    return lines


def _secret(rng: random.Random, n: int) -> tuple[str, str]:
    """A log line carrying one planted secret, and the secret itself."""
    alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    blob = "".join(rng.choice(alnum) for _ in range(40))
    kinds = [
        (f"AKIA{blob[:16].upper()}", "{} INF using AWS access key id {}"),
        (blob, "{} DBG env AWS_SECRET_ACCESS_KEY={}"),
        (f"{blob[:12]}.{blob[12:30]}", "{} DBG header Authorization: Bearer {}"),
        (blob[:20], "{} ERR db connect postgres://kubecost:{}@db.internal:5432/kc failed"),
        (blob[:32], '{} INF helm values {{"kubecostToken": "{}", "clusterName": "c"}}'),
        (blob[:24], "{} WRN retrying with password={} against object store"),
    ]
    secret, fmt = kinds[n % len(kinds)]
    return fmt.format(f"2024-05-02T00:00:{n % 60:02d}Z", secret), secret


def generate(root: Path, size_mb: int, seed: int = 7) -> list[str]:
    """Write ~size_mb of logs under root; return the planted secrets."""
    rng = random.Random(seed)
    pools = {c: _line_pool(rng, c) for c in ("cost-model", "aggregator", "frontend")}
    planted: list[str] = []
    files = max(1, size_mb // FILE_MB)
    for f in range(files):
        component = list(pools)[f % 3]
        path = root / f"cluster-{f % 4}" / "kubecost" / _pod(rng, component) / f"{component}.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        pool = pools[component]
        with open(path, "w", encoding="utf-8") as out:
            for _mb in range(size_mb // files):
                chunk = rng.choices(pool, k=7000)
                for _ in range(SECRETS_PER_MB):
                    line, secret = _secret(rng, len(planted))
                    chunk[rng.randrange(len(chunk))] = line
                    planted.append(secret)
                out.write("\n".join(chunk) + "\n")
    return planted


def _timed(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds user+sys) of one run of a command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _best(cmd: list[str], out: Path, runs: int) -> tuple[float, float]:
    """Best wall and best CPU time over a few runs (the machine is shared and noisy)."""
    results = []
    for _ in range(runs):
        shutil.rmtree(out, ignore_errors=True)
        results.append(_timed([*cmd, str(out)]))
    return min(r[0] for r in results), min(r[1] for r in results)


def _tree_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def _leaks(root: Path, planted: list[str]) -> int:
    """How many planted secrets are still in the output (one hyperscan pass per file)."""
    import hyperscan

    wanted = sorted({s.encode() for s in planted})
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    literals = [b"".join(b"\\x%02x" % c for c in s) for s in wanted]
    db.compile(
        expressions=literals,
        ids=list(range(len(wanted))),
        elements=len(wanted),
        flags=[hyperscan.HS_FLAG_SINGLEMATCH] * len(wanted),
    )
    found: set[int] = set()
    for path in root.rglob("*.log"):
        with open(path, "rb") as fh:
            while block := fh.read(64 << 20):
                db.scan(block, match_event_handler=lambda i, *_: found.add(i))
    return len(found)


def _sos_clean(src: Path, work: Path, mb: float) -> str:
    sos = shutil.which("sos")
    if sos is None:
        return "sos clean: not run (sosreport is not installed here)"
    report = work / "sosreport-bench"
    logs = report / "var" / "log" / "kubecost"
    logs.mkdir(parents=True)
    (report / "sos_logs").mkdir()
    first = next(iter(sorted(src.rglob("*.log"))))
    with open(first, "rb") as fin, open(logs / "cost-model.log", "wb") as fout:
        fout.write(fin.read(SOS_SLICE_MB << 20))
    scratch = work / "sos-scratch"
    scratch.mkdir()
    try:
        seconds, _cpu = _timed([sos, "clean", str(report), "--batch", "--tmp-dir", str(scratch)])
    except subprocess.CalledProcessError as exc:
        return f"sos clean: failed to run ({exc})"
    rate = SOS_SLICE_MB / seconds
    return (
        f"sos clean: {SOS_SLICE_MB} MB slice in {seconds:.1f}s = {rate:.1f} MB/s "
        f"({mb / rate:.0f}x slower per byte than engage redact)"
    )


def _real_bundles(corpus: Path, work: Path) -> None:
    """The real-bundle figures (benchmarks/redact_bundles.py) in the same run."""
    sys.path.insert(0, str(Path(__file__).parent))
    from redact_bundles import BUNDLES, bench_bundle

    engage = str(Path(sys.executable).with_name("engage"))
    for name in BUNDLES:
        if (corpus / f"{name}.tar.xz").exists():
            bench_bundle(name, corpus, work, engage)


def main() -> None:
    """Generate, time, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: a temp dir)")
    parser.add_argument("--no-sos", action="store_true", help="skip the sos clean baseline")
    parser.add_argument("--runs", type=int, default=3, help="runs per timing (best is kept)")
    parser.add_argument(
        "--bundles",
        type=Path,
        metavar="CORPUS",
        help="also time the real must-gathers in CORPUS (shared/corpus/k8s-logs)",
    )
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="redact-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    src = work / "logs"
    try:
        for old in ("logs", "copy", "copy2", "redacted"):
            shutil.rmtree(work / old, ignore_errors=True)
        print(f"generating ~{args.size_mb} MB of Kubecost logs in {src} ...", flush=True)
        planted = generate(src, args.size_mb)
        size = _tree_bytes(src)
        mb = size / 1e6
        subprocess.run(["cp", "-r", str(src), str(work / "warm")], check=True)
        shutil.rmtree(work / "warm")
        out = work / "redacted"
        engage = [sys.executable, "-m", "engage", "redact", str(src), "-q", "-o"]
        startup = _timed([sys.executable, "-m", "engage", "redact", "--help"])
        cp_wall, cp_cpu = _best(["cp", "-r", str(src)], work / "copy", args.runs)
        red_wall, red_cpu = _best(engage, out, args.runs)
        # cp -r may copy in the kernel (copy_file_range, reflinks); a tar pipe moves every byte
        # through user space, as any tool that reads the data must
        pipe = f"mkdir -p '{work}/piped' && tar -C '{src}' -cf - . | tar -C '{work}/piped' -xf -"
        pipe_wall = min(
            _timed(["sh", "-c", f"rm -rf '{work}/piped'; {pipe}"])[0] for _ in range(args.runs)
        )
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(
            f"input: {mb:.0f} MB in {len(list(src.rglob('*.log')))} files, "
            f"{len(planted)} planted secrets; best of {args.runs} runs; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )
        print(f"cp -r:         wall {cp_wall:6.2f}s {mb / cp_wall:6.0f} MB/s | CPU {cp_cpu:5.2f}s")
        print(
            f"engage redact: wall {red_wall:6.2f}s {mb / red_wall:6.0f} MB/s | "
            f"CPU {red_cpu:5.2f}s {mb / red_cpu:6.0f} MB/s (one core; "
            f"{mb / max(red_cpu - startup[1], 1e-3):.0f} MB/s without the "
            f"{startup[1]:.2f}s CLI start-up)"
        )
        print(f"tar | tar:     wall {pipe_wall:6.2f}s {mb / pipe_wall:6.0f} MB/s")
        print(
            f"ratio: {red_wall / cp_wall:.1f}x cp -r, {red_wall / pipe_wall:.1f}x tar pipe (wall); "
            f"peak RSS {peak_mb:.0f} MB"
        )
        print(f"planted secrets left in output: {_leaks(out, planted)}")
        if not args.no_sos:
            print(_sos_clean(src, work, mb / red_wall))
        if args.bundles is not None:
            _real_bundles(args.bundles, work)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
