"""Portal page latency against the JSON API for the same data (a benchmark, not a test).

Loads N cases into a fresh SQLite database, serves the app with uvicorn on loopback, signs in
through the form and times each page with httpx; the same query through /api/v1 is the
baseline, so the ratio shows what server-side rendering costs on top of the services.

    python tests/e2e/portal/bench_pages.py --cases 20000 --rounds 200
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import httpx

from engage.adapters.db.migrate import upgrade
from engage.bootstrap import Engage, build
from engage.config import Settings
from engage.domain.cases import ComponentArea, Severity
from engage.services.cases import new_case
from engage.services.demo import load_demo


def _e2e_helpers() -> ModuleType:
    """The e2e conftest (its live-server helper), loaded by path: this script is not a test."""
    path = Path(__file__).resolve().parent.parent / "conftest.py"
    spec = importlib.util.spec_from_file_location("engage_e2e_conftest", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


WORDS = ["aggregator", "athena", "oomkilled", "saml", "helm", "budget", "network", "etl"]


def load(engage: Engage, n: int) -> None:
    """Demo data plus `n` cases for Acme, committed in batches."""
    load_demo(engage.uow(), engage.clock)
    with engage.uow() as uow:
        alice = uow.users.by_email("alice@acme.example")
        assert alice is not None and alice.org_id is not None
        for i in range(n):
            word = WORDS[i % len(WORDS)]
            new_case(
                uow,
                engage.clock,
                actor=alice,
                org_id=alice.org_id,
                title=f"{word} problem {i}",
                description=f"Case {i} about {word}.",
                severity=list(Severity)[i % 4],
                area=ComponentArea.OTHER,
            )
            if i % 1000 == 999:
                uow.commit()
        uow.commit()


def timed(fn: Callable[[], httpx.Response], rounds: int) -> tuple[float, float]:
    """p50 and p99 in milliseconds of `rounds` calls (after 5 warm-up calls)."""
    for _ in range(5):
        fn().raise_for_status()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn().raise_for_status()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def main() -> None:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="engage-bench-"))
    engage = build(Settings(database_url=f"sqlite:///{root / 'engage.db'}", data_dir=root))
    upgrade(engage.engine)
    started = time.perf_counter()
    load(engage, args.cases)
    print(f"loaded {args.cases} cases in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    token = load_demo(engage.uow(), engage.clock).tokens["sam@support.example"]
    server, thread, url = _e2e_helpers().serve_in_thread(engage)
    web = httpx.Client(base_url=url)
    found = re.search(r'name="csrf_token" value="([^"]+)"', web.get("/login").text)
    assert found is not None
    web.post(
        "/login",
        data={
            "csrf_token": found.group(1),
            "email": "sam@support.example",
            "password": "engage-demo",
        },
    )
    api = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"})
    pairs = {
        "queue (sorted by SLA due, 25/page)": ("/cases", "/api/v1/cases?limit=25"),
        "queue filtered (P1, new)": (
            "/cases?severity=P1&status=new",
            "/api/v1/cases?severity=P1&status=new&limit=25",
        ),
        "full-text search": ("/cases?q=oomkilled", "/api/v1/cases?q=oomkilled&limit=25"),
        "case page": ("/cases/1", "/api/v1/cases/1"),
    }
    print(f"{'page':38} {'portal p50':>10} {'p99':>8} {'API p50':>9} {'p99':>8} {'ratio':>6}")
    for name, (page, endpoint) in pairs.items():
        p50, p99 = timed(lambda page=page: web.get(page), args.rounds)  # type: ignore[misc]
        a50, a99 = timed(lambda url=endpoint: api.get(url), args.rounds)  # type: ignore[misc]
        print(f"{name:38} {p50:9.1f}ms {p99:7.1f}ms {a50:8.1f}ms {a99:7.1f}ms {p50 / a50:5.2f}x")
    server.should_exit = True
    thread.join(timeout=10)


if __name__ == "__main__":
    main()
