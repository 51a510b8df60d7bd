"""What the shared archive-member checks cost, on a real archive from the corpus.

Streams every member of the OpenShift must-gather (``tests/fixtures/analyze/corpus``, 3.4 MB
of tar.xz, 6,148 files, ~81 MB unpacked) and of the troubleshoot support bundle, reading all
their bytes, in the same run:

- plain ``tarfile`` streaming (the floor: decompress and read every member),
- the same loop with ``TarGuard.check`` on every member (what redact, the bundle reader and
  the analyzer now do),
- the analyzer's ``iter_entries`` reading each entry (guard included; it reads tar and
  tar.gz, so the must-gather is recompressed to tar.gz once, untimed, first).

CPU seconds of this process (``time.process_time``), so other work on the machine moves the
figures less.

    python benchmarks/archive_safety.py            # best of 3
    python benchmarks/archive_safety.py --runs 5
"""

from __future__ import annotations

import argparse
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from engage.diagnostics.analyze.inputs import InputProblems, iter_entries
from engage.diagnostics.archive_safety import TarGuard

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
ARCHIVES = [
    FIXTURES / "analyze" / "corpus" / "must-gather-metal.tar.xz",
    FIXTURES / "shared" / "k8s-logs" / "troubleshoot_testdata_support-bundle.tar.gz",
]


def plain(path: Path, guarded: bool) -> tuple[int, int]:
    """Members and bytes read by streaming the archive, checking each member when guarded."""
    members = total = 0
    with path.open("rb") as raw, tarfile.open(fileobj=raw, mode="r|*") as tar:
        guard = TarGuard(compressed=raw.tell)
        for member in tar:
            members += 1
            if guarded and guard.check(member) is not None:
                continue
            if member.isfile():
                handle = tar.extractfile(member)
                assert handle is not None
                while block := handle.read(1 << 20):
                    total += len(block)
    return members, total


def analyzer(path: Path) -> tuple[int, int]:
    """Entries and bytes the analyzer's input reader yields."""
    problems = InputProblems()
    entries = total = 0
    for entry in iter_entries(path, problems):
        entries += 1
        with entry.opener() as handle:
            while block := handle.read(1 << 20):
                total += len(block)
    return entries, total


def best_of(runs: int, func: Callable[[], object]) -> float:
    """Least CPU time of ``runs`` calls, in seconds."""
    times = []
    for _ in range(runs):
        start = time.process_time()
        func()
        times.append(time.process_time() - start)
    return min(times)


def as_tar_gz(path: Path, scratch: Path) -> Path:
    """The archive as a .tar.gz (recompressed when it is not one already)."""
    if path.name.endswith(".tar.gz"):
        return path
    out = scratch / (path.name.split(".tar")[0] + ".tar.gz")
    with tarfile.open(path) as src, tarfile.open(out, "w:gz", compresslevel=3) as dst:
        for member in src:
            dst.addfile(member, src.extractfile(member) if member.isfile() else None)
    return out


def main() -> None:
    """Print seconds and the ratio to plain streaming for each archive."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as scratch:
        for path in ARCHIVES:
            report(as_tar_gz(path, Path(scratch)), runs)


def report(path: Path, runs: int) -> None:
    """Time the three readers on one archive and print the figures."""
    members, size = plain(path, guarded=False)
    base = best_of(runs, lambda: plain(path, guarded=False))
    guarded = best_of(runs, lambda: plain(path, guarded=True))
    reader = best_of(runs, lambda: analyzer(path))
    print(f"{path.name}: {members} members, {size / 1e6:.1f} MB unpacked")
    print(f"  tarfile streaming       {base:6.2f} s CPU")
    print(f"  + TarGuard.check        {guarded:6.2f} s CPU  {guarded / base:4.2f}x")
    print(f"  analyzer iter_entries   {reader:6.2f} s CPU  {reader / base:4.2f}x")


if __name__ == "__main__":
    main()
