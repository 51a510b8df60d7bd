"""Benchmark `engage collect`: three fake clusters, 2 GB of logs in total, one of them slow.

Prints the wall time of collecting all three against collecting the slow cluster alone (target:
within 1.3x) and the collector's peak RSS (target: under 250 MB). The fake API servers run in
a separate process and the collector runs as the real CLI in a subprocess, so the figures are
the collector's own.

    python benchmarks/collect.py [--total-gb 2] [--slow-mbps 8] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support: loopback stand-ins

CLUSTERS = ("fast-a", "fast-b", "slow")
STREAMS_PER_CLUSTER = 6  # log streams in the 2.x scenario (incl. one --previous)


def _serve(
    workdir: str, per_stream: int, slow_rate: float, ready: mp.Queue, stop: mp.Event
) -> None:
    from tests.support.k8s_cluster import SyntheticLog
    from tests.support.k8s_scenarios import (
        COST_MODEL_LOG,
        PREVIOUS_LOG,
        kubecost_2x_duckdb,
        recent,
    )
    from tests.support.k8s_server import FakeKubeServer, write_kubeconfig

    # realistic mix: one secret-bearing line in ~60, the rest ordinary Kubecost log lines
    lines = recent(COST_MODEL_LOG[:-1] + PREVIOUS_LOG) * 8 + recent(COST_MODEL_LOG[-1:])
    servers = []
    for name in CLUSTERS:
        cluster = kubecost_2x_duckdb(name, Path(workdir))
        for key in cluster.logs:
            cluster.logs[key] = SyntheticLog(per_stream, lines)
        if name == "slow":
            cluster.log_bytes_per_second = slow_rate
            cluster.delay = 0.05  # 50 ms round trip on every call
        servers.append(FakeKubeServer(cluster).start())
    ready.put(str(write_kubeconfig(Path(workdir) / "kubeconfig", servers)))
    stop.wait()
    for s in servers:
        s.stop()


def _collect(
    kubeconfig: str, out: Path, contexts: list[str], concurrency: int, limit_mb: int
) -> float:
    args = [
        sys.executable,
        "-m",
        "engage",
        "collect",
        "--kubeconfig",
        kubeconfig,
        "-o",
        str(out),
        "--concurrency",
        str(concurrency),
        "--log-limit-mb",
        str(limit_mb),
        "--timeout",
        "30m",
    ]
    for ctx in contexts:
        args += ["--context", ctx]
    started = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0, 3):
        raise SystemExit(f"collect failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return elapsed


def main() -> None:
    """Run the two collections and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total-gb", type=float, default=2.0)
    parser.add_argument("--slow-mbps", type=float, default=8.0, help="slow cluster, per log stream")
    parser.add_argument("--concurrency", type=int, default=4)
    opts = parser.parse_args()
    total = int(opts.total_gb * 2**30)
    per_stream = total // (len(CLUSTERS) * STREAMS_PER_CLUSTER)
    limit_mb = per_stream // 2**20 + 1
    with tempfile.TemporaryDirectory(prefix="engage-bench-") as tmp:
        ready: mp.Queue = mp.Queue()
        stop = mp.Event()
        server = mp.Process(
            target=_serve, args=(tmp, per_stream, opts.slow_mbps * 2**20, ready, stop)
        )
        server.start()
        try:
            kubeconfig = ready.get(timeout=120)
            alone = _collect(
                kubeconfig, Path(tmp) / "alone.tar.gz", ["slow"], opts.concurrency, limit_mb
            )
            rss_alone = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            both = _collect(
                kubeconfig, Path(tmp) / "all.tar.gz", list(CLUSTERS), opts.concurrency, limit_mb
            )
            rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            size = (Path(tmp) / "all.tar.gz").stat().st_size
        finally:
            stop.set()
            server.join(10)
    print(
        f"logs: {total / 2**30:.2f} GiB in {len(CLUSTERS) * STREAMS_PER_CLUSTER} streams over "
        f"{len(CLUSTERS)} clusters; slow cluster streams at {opts.slow_mbps:g} MiB/s each"
    )
    print(f"slow cluster alone : {alone:7.1f} s   (peak RSS {rss_alone:.0f} MB)")
    print(f"all three clusters : {both:7.1f} s   ({total / both / 2**20:.0f} MiB/s collected)")
    print(f"ratio all/slowest  : {both / alone:7.2f}x  (target <= 1.30x)")
    print(f"peak RSS           : {rss:7.0f} MB  (target < 250 MB)")
    print(f"bundle             : {size / 2**20:7.1f} MiB compressed")


if __name__ == "__main__":
    main()
