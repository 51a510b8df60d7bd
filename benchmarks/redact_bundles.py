"""Real-bundle figures for `engage redact`: the must-gathers of the shared corpus.

For each bundle (extracted once into the work folder) this times, in the same run:

- `tar -cf - DIR | tar -xf -` of the tree (the baseline the goals are stated against),
- `engage redact DIR -o OUT` (secrets only), and with `--pseudonymize all`,

and prints MB/s, the ratio to the tar pipe, peak RSS of the redact process (largest process),
and the ground-truth recall of must-gather-clean's report: of every IP, MAC and domain it
lists, how many items and occurrences are gone from the pseudonymised output.

    python benchmarks/redact_bundles.py --corpus ../shared/corpus/k8s-logs
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import yaml

# the third is small; it is here for its report (held-out Azure resource ids, deployments)
BUNDLES = ("must-gather-metal", "must-gather-azure", "azure-ci-job")
# report items must-gather-clean found that are not identities of the cluster (file names its
# Azure rule took for subscriptions, dates written with underscores): scored separately.
# Subscription ids and resource groups count as identities (``--pseudonymize accounts``).
_NOT_IDENTITY = re.compile(r"\.yaml$|^[0-9]+_[0-9_]+$")


def _timed(cmd: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user+system, all processes) and peak RSS (MB, largest)."""
    before = time.monotonic()
    proc = subprocess.run(
        ["/usr/bin/time", "-f", "%U %S %M", *cmd], capture_output=True, text=True, check=False
    )
    seconds = time.monotonic() - before
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed: {proc.stderr[-400:]}")
    user, system, rss = proc.stderr.strip().splitlines()[-1].split()
    return seconds, float(user) + float(system), int(rss) / 1024


def _tar_pipe(src: Path, out: Path) -> tuple[float, float]:
    out.mkdir()
    wall, cpu, _rss = _timed(["sh", "-c", f"tar -cf - -C '{src}' . | tar -xf - -C '{out}'"])
    return wall, cpu


def _tree(root: Path) -> tuple[int, int]:
    files = [p for p in root.rglob("*") if p.is_file() and not p.is_symlink()]
    return len(files), sum(p.stat().st_size for p in files)


def _originals(report: Path) -> dict[str, int]:
    """original string -> occurrences, from a must-gather-clean report."""
    data = yaml.safe_load(report.read_text())
    found: dict[str, int] = {}
    for group in data.get("replacements", []):
        for item in group or []:
            for occ in item.get("occurrences", []):
                original = str(occ["original"]).strip().rstrip('"')
                if len(original) > 3 and " " not in original:
                    found[original] = found.get(original, 0) + int(occ.get("count", 1))
    return found


def _left(text: bytes, original: bytes) -> int:
    """Occurrences of ``original`` in ``text`` as a whole item (10.0.0.1 is not in 10.0.0.12)."""
    count, pos = 0, text.find(original)
    while pos >= 0:
        before = text[pos - 1 : pos] if pos else b""
        after = text[pos + len(original) : pos + len(original) + 1]
        if not (_ITEM_CHAR.match(before) or _ITEM_CHAR.match(after)):
            count += 1
        pos = text.find(original, pos + 1)
    return count


_ITEM_CHAR = re.compile(rb"[0-9A-Za-z]")


def _recall(out: Path, originals: dict[str, int]) -> dict[str, tuple[int, int, int, int]]:
    """kind -> (items gone, items, occurrences gone, occurrences) in the output tree."""
    text = b"\n".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    scores: dict[str, list[int]] = {}
    for original, count in originals.items():
        kind = "other" if _NOT_IDENTITY.search(original) else "identity"
        left = _left(text, original.encode())
        s = scores.setdefault(kind, [0, 0, 0, 0])
        s[0] += left == 0
        s[1] += 1
        s[2] += max(0, count - left)
        s[3] += count
    return {k: (v[0], v[1], v[2], v[3]) for k, v in scores.items()}


def bench_bundle(
    name: str, corpus: Path, work: Path, engage: str, outputs: list[Path], runs: int = 3
) -> None:
    """Print the figures for one bundle.

    The tar pipe and both redact modes take turns, run after run, and every output goes to a
    new folder that is only deleted at the very end (``outputs``): creating files right after
    deleting a tree this size is several times slower on ext4 (its inode allocator skips
    recently freed inodes), and whichever command ran after a deletion used to pay for it.
    """
    src = work / name
    if not src.exists():
        with tarfile.open(corpus / f"{name}.tar.xz") as tar:
            tar.extractall(work / f"{name}.x", filter="data")
        inner = next((work / f"{name}.x").iterdir())
        inner.rename(src)
    files, size = _tree(src)
    mb = size / 1e6
    print(f"\n{name}: {files} files, {mb:.0f} MB", flush=True)
    modes = (("secrets", []), ("--pseudonymize all", ["--pseudonymize", "all"]))
    tar_best: tuple[float, float] | None = None
    best: dict[str, tuple[float, float, float]] = {}
    out = src
    for run in range(runs):  # best of a few runs: the machine's other work only adds
        tar_out = work / f"{name}.tar{run}"
        outputs.append(tar_out)
        tar_best = min(tar_best or (1e9, 0.0), _tar_pipe(src, tar_out))
        for label, extra in modes:
            out = work / f"{name}.out-{label.strip('-').split()[-1]}{run}"
            outputs.append(out)
            timed = _timed([engage, "redact", str(src), "-o", str(out), "-q", *extra])
            if label not in best or timed[0] < best[label][0]:
                best[label] = timed
    assert tar_best is not None
    tar_s, tar_cpu = tar_best
    print(
        f"  tar -cf - | tar -xf -               {tar_s:6.2f} s wall {tar_cpu:6.2f} s CPU",
        flush=True,
    )
    for label, _extra in modes:
        seconds, cpu, rss = best[label]
        print(
            f"  engage redact ({label:18s}) {seconds:6.2f} s wall {cpu:6.2f} s CPU  "
            f"{mb / seconds:5.0f} MB/s  {seconds / tar_s:5.1f}x tar wall  "
            f"{cpu / max(tar_cpu, 0.01):5.1f}x tar CPU  peak RSS {rss:.0f} MB"
        )
    report = corpus / f"{name}-report.yaml"
    if report.exists():
        for kind, (gone, items, occ_gone, occ) in sorted(_recall(out, _originals(report)).items()):
            print(
                f"  ground truth ({kind:8s}) items gone {gone}/{items} ({100 * gone / items:.1f}%), "
                f"occurrences gone {occ_gone}/{occ} ({100 * occ_gone / max(occ, 1):.1f}%)"
            )


def main() -> None:
    """Benchmark the real must-gathers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("../shared/corpus/k8s-logs"))
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: a temp dir)")
    parser.add_argument("--bundle", action="append", choices=BUNDLES, help="only these")
    parser.add_argument("--runs", type=int, default=3, help="runs per timing (best is kept)")
    args = parser.parse_args()
    engage = shutil.which("engage") or str(Path(sys.executable).with_name("engage"))
    # as an install does (make install byte-compiles): an edited module without a fresh .pyc
    # is compiled again at every start when PYTHONDONTWRITEBYTECODE is set (~0.1 s a run)
    import engage as package

    compileall.compile_dir(Path(package.__file__).parent, quiet=1)
    work = args.keep or Path(tempfile.mkdtemp(prefix="engage-bench-bundles-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"cores: {len(os.sched_getaffinity(0))}")
    outputs: list[Path] = []
    for stale in [*work.glob("*.tar[0-9]*"), *work.glob("*.out-*")]:  # from an interrupted run
        shutil.rmtree(stale, ignore_errors=True)
    try:
        for name in args.bundle or BUNDLES:
            if (args.corpus / f"{name}.tar.xz").exists():
                bench_bundle(name, args.corpus, work, engage, outputs, args.runs)
    finally:
        for out in outputs:  # only now: see bench_bundle
            shutil.rmtree(out, ignore_errors=True)
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
