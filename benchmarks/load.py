"""Mixed read/write load from concurrent clients against two web processes on PostgreSQL.

    python benchmarks/load.py                       # 16 clients, 60 s, a fresh database
    python benchmarks/load.py --clients 8 --seconds 20 --workers 2

Creates a database of its own (ENGAGE_BENCH_PG_URL or the local `test` server), migrates it,
loads the demo and some cases, starts `engage serve --workers N`, then runs the clients: queue
pages, case reads, comments (public and internal) and If-Match edits. It prints throughput,
p50/p99 per operation, the number of 5xx answers and connection errors (both must be 0), and
lost writes: comments the server acknowledged with 201 that are not in the database (must be 0).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from engage.adapters.db.engine import make_engine
from engage.adapters.db.migrate import upgrade
from engage.bootstrap import build
from engage.config import Settings
from engage.services.demo import load_demo

ENGAGE = Path(sys.executable).with_name("engage")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Stats:
    """Latencies and outcomes, shared by the client threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.status: Counter[int] = Counter()
        self.connection_errors = 0
        self.acked_comments: list[int] = []

    def record(self, op: str, seconds: float, status: int) -> None:
        with self.lock:
            self.latency[op].append(seconds * 1000)
            self.status[status] += 1


def client_loop(
    base: str, token: str, support: bool, case_ids: list[int], until: float, stats: Stats
) -> None:
    """One client: a mixed workload until the deadline, on one keep-alive connection."""
    rng = random.Random()
    http = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    while time.monotonic() < until:
        case_id = rng.choice(case_ids)
        roll = rng.random()
        try:
            start = time.perf_counter()
            if roll < 0.35:
                op, r = "queue page", http.get("/api/v1/cases", params={"limit": 50})
            elif roll < 0.65:
                op, r = "case get", http.get(f"/api/v1/cases/{case_id}")
            elif roll < 0.90:
                body = {"body": f"load {uuid.uuid4().hex}", "internal": support and roll < 0.75}
                op, r = "comment", http.post(f"/api/v1/cases/{case_id}/comments", json=body)
                if r.status_code == 201:
                    with stats.lock:
                        stats.acked_comments.append(int(r.json()["id"]))
            else:
                tag = http.get(f"/api/v1/cases/{case_id}").headers.get("ETag", "*")
                change = {"title": f"Load edit {rng.randint(0, 10**6)}"}
                op = "edit (If-Match)"
                r = http.patch(f"/api/v1/cases/{case_id}", json=change, headers={"If-Match": tag})
            stats.record(op, time.perf_counter() - start, r.status_code)
        except httpx.TransportError:
            with stats.lock:
                stats.connection_errors += 1
            http.close()
            http = httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30
            )
    http.close()


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else 0.0


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--workers", type=int, default=2, help="web processes")
    p.add_argument("--cases", type=int, default=200)
    args = p.parse_args()

    base_url = os.environ.get(
        "ENGAGE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    name = f"engage_load_{uuid.uuid4().hex[:8]}"
    admin = make_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base_url).set(database=name).render_as_string(hide_password=False)
    server: subprocess.Popen[bytes] | None = None
    try:
        server, base, tokens, case_ids, engine = _prepare(url, args)
        stats = Stats()
        until = time.monotonic() + args.seconds
        threads = [
            threading.Thread(
                target=client_loop,
                args=(base, *tokens[i % len(tokens)], case_ids, until, stats),
            )
            for i in range(args.clients)
        ]
        started = time.monotonic()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        elapsed = time.monotonic() - started
        with engine.connect() as c:
            stored = set(
                c.execute(
                    text("SELECT id FROM comments WHERE id = ANY(:ids)"),
                    {"ids": stats.acked_comments},
                ).scalars()
            )
        engine.dispose()
        _report(stats, elapsed, args, lost=len(set(stats.acked_comments) - stored))
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _prepare(url: str, args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """Migrate, load the demo and cases, start the server; the tokens of both demo roles."""
    tmp = Path(tempfile.mkdtemp(prefix="engage-load-"))
    settings = Settings(database_url=url, data_dir=tmp / "data")
    engage = build(settings)
    upgrade(engage.engine)
    demo = load_demo(engage.uow(), engage.clock)
    tokens = [(token, "support" in email) for email, token in demo.tokens.items()]
    customer = next(t for e, t in demo.tokens.items() if "support" not in e)
    port = _free_port()
    env = {**os.environ, "ENGAGE_DATABASE_URL": url, "ENGAGE_DATA_DIR": str(tmp / "data")}
    log = (tmp / "serve.log").open("wb")
    server = subprocess.Popen(
        [str(ENGAGE), "serve", "--port", str(port), "--workers", str(args.workers)],
        env=env,
        start_new_session=True,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            raise SystemExit(f"engage serve did not start; see {tmp / 'serve.log'}")
        time.sleep(0.2)
    opener = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {customer}"})
    case_ids = [
        opener.post("/api/v1/cases", json={"title": f"Load case {i}", "description": "x"}).json()[
            "case"
        ]["id"]
        for i in range(args.cases)
    ]
    opener.close()
    print(
        f"database {make_url(url).database}; {args.workers} web processes; {len(case_ids)} cases; "
        f"{args.clients} clients for {args.seconds:.0f} s (customer and support tokens)",
        file=sys.stderr,
    )
    return server, base, tokens, case_ids, engage.engine


def _report(stats: Stats, elapsed: float, args: argparse.Namespace, lost: int) -> None:
    total = sum(stats.status.values())
    all_ms = [v for values in stats.latency.values() for v in values]
    print(f"\n{'operation':<18}{'count':>8}{'p50':>10}{'p99':>10}")
    for op, values in sorted(stats.latency.items()):
        p50, p99 = statistics.median(values), _percentile(values, 0.99)
        print(f"{op:<18}{len(values):>8}{p50:>8.1f}ms{p99:>8.1f}ms")
    print(
        f"{'all':<18}{len(all_ms):>8}{statistics.median(all_ms):>8.1f}ms"
        f"{_percentile(all_ms, 0.99):>8.1f}ms"
    )
    errors_5xx = sum(n for code, n in stats.status.items() if code >= 500)
    print(f"\nthroughput: {total / elapsed:.1f} requests/s over {elapsed:.0f} s")
    print("statuses:", dict(sorted(stats.status.items())))
    print(f"5xx: {errors_5xx}   connection errors: {stats.connection_errors}   lost writes: {lost}")
    if errors_5xx or stats.connection_errors or lost:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
