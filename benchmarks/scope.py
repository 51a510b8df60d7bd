"""Scope check speed: per check as a customer types, per pasted text, and CLI start-up.

1. As the portal sees it: every real case text of tests/fixtures/scope/real is typed out and
   checked at each ~60 characters (the live check fires on keyup, debounced); after warm-up
   (model loaded, one text checked) each check is timed. Only the paragraph being typed is
   new to the embedding cache, as in a real session.
2. Pasted texts: each text checked once with an empty embedding cache.
3. Baseline in the same run: one MiniLM forward pass of the title alone, the least any
   embedding-based check must do per keystroke.
   Per-check figures are wall time; the typed checks also show CPU time, which is what they
   cost on a machine that is not shared (the load average is printed at the end).
4. `engage scope-check FILE --json` as a subprocess (wall and CPU time), next to
   `python -c pass` and `engage --version` started the same way.

Run: python benchmarks/scope.py [RUNS]   (RUNS: CLI runs per command, default 5)
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from engage.domain.scope import check_scope
from engage.domain.scope.encoder import encoder

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "tests" / "fixtures" / "scope" / "real" / "cases.jsonl"
STEP = 60


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) of values, in milliseconds."""
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def line(label: str, values: list[float]) -> str:
    """p50 / p95 / max in ms."""
    return (
        f"{label:34s} n={len(values):4d}  p50 {pct(values, 50):6.1f} ms  "
        f"p95 {pct(values, 95):6.1f} ms  max {pct(values, 100):6.1f} ms"
    )


def typing(records: list[dict[str, str]]) -> tuple[list[float], list[float]]:
    """Wall and CPU time of each check while texts are typed out."""
    walls: list[float] = []
    cpus: list[float] = []
    for record in records:
        body = record["body"]
        for end in [*range(STEP, len(body), STEP), len(body)]:
            start, cpu = time.perf_counter(), time.process_time()
            check_scope(record["title"], body[:end])
            walls.append(time.perf_counter() - start)
            cpus.append(time.process_time() - cpu)
    return walls, cpus


def pasted(records: list[dict[str, str]]) -> list[float]:
    """Latency of each text checked once from an empty embedding cache."""
    times: list[float] = []
    model = encoder()
    for record in records:
        model.clear()  # measuring the uncached path on purpose
        start = time.perf_counter()
        check_scope(record["title"], record["body"])
        times.append(time.perf_counter() - start)
    return times


def baseline(records: list[dict[str, str]]) -> list[float]:
    """One forward pass of the title alone, uncached."""
    times: list[float] = []
    model = encoder()
    for record in records:
        model.clear()
        start = time.perf_counter()
        model.encode([record["title"]])
        times.append(time.perf_counter() - start)
    return times


def cli(args: list[str], runs: int) -> tuple[float, float]:
    """Median wall time and CPU time (user + system) of a command, in seconds."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    """Print the figures."""
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    records = [json.loads(row) for row in REAL.read_text(encoding="utf-8").splitlines() if row]
    start, cpu = time.perf_counter(), time.process_time()
    encoder()
    print(
        f"model load (memory map + tokenizer): {1000 * (time.perf_counter() - start):.1f} ms"
        f" wall, {1000 * (time.process_time() - cpu):.1f} ms CPU"
    )
    check_scope(records[0]["title"], records[0]["body"])  # warm-up
    print(line("baseline: one forward pass (title)", baseline(records)))
    walls, cpus = typing(records)
    print(line("check as typed (portal), wall", walls))
    print(line("check as typed (portal), CPU", cpus))
    print(line("check of a pasted text (no cache)", pasted(records)))
    engage = str(Path(sys.executable).with_name("engage"))
    with tempfile.TemporaryDirectory() as scratch:
        case = Path(scratch) / "case.txt"
        case.write_text(f"{records[0]['title']}\n\n{records[0]['body']}\n", encoding="utf-8")
        for label, args in (
            ("python -c pass", [sys.executable, "-c", "pass"]),
            ("engage --version", [engage, "--version"]),
            ("engage scope-check FILE --json", [engage, "scope-check", str(case), "--json"]),
        ):
            wall, cpu = cli(args, runs)
            print(f"{label:34s} median wall {wall:.2f} s, CPU {cpu:.2f} s ({runs} runs)")
    print(f"load average: {' '.join(f'{v:.1f}' for v in os.getloadavg())} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
