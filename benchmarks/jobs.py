"""Benchmark: uploads answer before the work, and workers add throughput.

1. Upload request latency for a small and a large logs artifact (default 1 MB and 200 MB),
   against the preparation job that the request used to run inline (timed in the same run):
   the request now only streams bytes to the store, so its time follows the bytes, not the
   work.
2. Artifacts per minute from upload to findings with one and with two `engage worker`
   processes (SQLite, the database queue), each worker started before the clock runs.

    python benchmarks/jobs.py [--sizes-mb 1,200] [--artifacts 8] [--artifact-mb 4] \\
        [--files /work/shared/corpus/k8s-logs/must-gather-azure.tar.xz,...]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from engage.adapters.db.engine import make_engine
from engage.adapters.db.migrate import upgrade
from engage.adapters.jobs.database import DatabaseJobQueue
from engage.bootstrap import Engage, build
from engage.config import Settings
from engage.server import create_app
from engage.services.demo import load_demo

LINES = [
    "INF ETL: Allocation[1h]: Run: completed window in 1.{n}s",
    "INF http: GET /model/allocation?window=7d&aggregate=namespace 200 {n}ms user=alice{n}",
    "WRN CloudCost: integration aws-main next run in {n}m token=abcd{n}efgh",
    "ERR Prometheus communication error: nil queryResult for query {n} from 10.0.{n}.7",
]


def log_bytes(size: int, seed: int) -> bytes:
    """Kubecost-like log lines, `size` bytes, different per seed (no dedupe)."""
    rnd = random.Random(seed)
    out, total = [], 0
    while total < size:
        line = f"2024-06-03T14:00:{rnd.randrange(60):02d}Z " + rnd.choice(LINES).format(
            n=rnd.randrange(10_000)
        )
        out.append(line)
        total += len(line) + 1
    return ("\n".join(out) + "\n").encode()[:size]


def serve(engage: Engage) -> tuple[uvicorn.Server, str]:
    """The app on a free loopback port, jobs not run here (workers run them)."""
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(create_app(engage), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    return server, f"http://127.0.0.1:{sock.getsockname()[1]}"


def open_case(api: httpx.Client) -> int:
    """A fresh case of the demo organisation."""
    r = api.post(
        "/cases",
        json={"title": "bench", "description": "d", "severity": "P3", "area": "performance-memory"},
    )
    r.raise_for_status()
    return int(r.json()["case"]["id"])


def upload(api: httpx.Client, case: int, data: bytes, name: str) -> tuple[int, float]:
    """POST one raw logs artifact; returns its id and the request's seconds."""
    t0 = time.perf_counter()
    r = api.post(
        f"/cases/{case}/artifacts",
        params={"kind": "logs", "name": name},
        content=data,
        headers={"Content-Type": "application/octet-stream"},
    )
    r.raise_for_status()
    return int(r.json()["id"]), time.perf_counter() - t0


def latency(
    queue: DatabaseJobQueue, api: httpx.Client, uploads: list[tuple[str, bytes, str]]
) -> None:
    """Request time against the preparation and analysis it no longer waits for."""
    case = open_case(api)
    print("upload request latency (the work runs afterwards, timed here for comparison)")
    for label, data, name in uploads:
        art, seconds = upload(api, case, data, name)
        t0 = time.perf_counter()
        queue.drain()
        work = time.perf_counter() - t0
        state = api.get(f"/cases/{case}/artifacts/{art}").json()["status"]
        print(
            f"  {label:>28}: request {seconds:6.2f} s   preparation + analysis {work:7.2f} s "
            f"({state})  the request used to take both: {seconds + work:7.2f} s, "
            f"{(seconds + work) / seconds:5.1f}x"
        )


def throughput(root: Path, url: str, token: str, workers: int, n: int, mb: int) -> float:
    """Artifacts per minute from the first upload to the last findings."""
    env = {
        **os.environ,
        "ENGAGE_DATABASE_URL": f"sqlite:///{root / 'engage.db'}",
        "ENGAGE_DATA_DIR": str(root / "web"),  # the filesystem store is shared by every process
    }
    procs = []
    for i in range(workers):
        env_i = dict(env)
        log = (root / f"worker-{workers}-{i}.log").open("wb")
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "engage", "worker", "--concurrency", "1"],
                env=env_i,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    try:
        for i in range(workers):  # wait until each worker is up before the clock runs
            path = root / f"worker-{workers}-{i}.log"
            while b"engage worker:" not in path.read_bytes():
                time.sleep(0.1)
        api = httpx.Client(
            base_url=f"{url}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=600
        )
        case = open_case(api)
        blobs = [log_bytes(mb << 20, seed=1000 * workers + i) for i in range(n)]
        t0 = time.perf_counter()
        ids = [upload(api, case, blob, f"a{i}.log")[0] for i, blob in enumerate(blobs)]
        while True:
            states = [api.get(f"/cases/{case}/artifacts/{i}").json()["status"] for i in ids]
            if all(s in ("ready", "rejected", "failed") for s in states):
                break
            time.sleep(0.2)
        elapsed = time.perf_counter() - t0
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGTERM)
            p.wait(timeout=60)
    return n / elapsed * 60


def main() -> None:
    """Run both measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes-mb", default="1,200")
    parser.add_argument("--artifacts", type=int, default=8)
    parser.add_argument("--artifact-mb", type=int, default=4)
    parser.add_argument("--files", default="", help="real logs archives to upload as well")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="engage-bench-jobs-") as tmp:
        root = Path(tmp)
        settings = Settings(
            database_url=f"sqlite:///{root / 'engage.db'}",
            data_dir=root / "web",
            quota_concurrent_uploads=0,  # the throughput run queues every artifact at once
        )
        engine = make_engine(settings.database_url)
        queue = DatabaseJobQueue(engine)
        engage = build(settings, engine=engine, jobs=queue)
        upgrade(engine)
        demo = load_demo(engage.uow(), engage.clock)
        token = demo.tokens["alice@acme.example"]
        server, url = serve(engage)
        api = httpx.Client(
            base_url=f"{url}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=600
        )
        made = [
            (f"{mb} MB generated logs", log_bytes(mb << 20, seed=mb), f"{mb}mb.log")
            for mb in (int(s) for s in args.sizes_mb.split(","))
        ]
        real = [
            (
                f"{Path(f).name} ({Path(f).stat().st_size / 1e6:.1f} MB)",
                Path(f).read_bytes(),
                Path(f).name,
            )
            for f in filter(None, args.files.split(","))
        ]
        latency(queue, api, made + real)
        print(f"throughput: {args.artifacts} logs artifacts of {args.artifact_mb} MB each")
        rates = {}
        for workers in (1, 2):
            rates[workers] = throughput(root, url, token, workers, args.artifacts, args.artifact_mb)
            print(f"  {workers} worker(s): {rates[workers]:6.1f} artifacts/minute")
        print(f"  two workers vs one: {rates[2] / rates[1]:.2f}x  (cores here: {os.cpu_count()})")
        server.should_exit = True
        engage.close()


if __name__ == "__main__":
    main()
