"""Recall and false positives of `engage analyze`, cross-validated over the signature corpus.

Held-out folds: the failure lines of kubecost-signatures (both files) are grouped by the report
they come from and dealt into 5 folds, so that wordings of one report never sit on both sides.
Each held-out line is planted in realistic surrounding logs (console, JSON and glog shapes, and
inside an engage bundle) and counts as recognised when a finding of one of its categories
appears. Also printed: the same with every specific rule switched off (what the fallback tier
and the catalogue alone recognise: the estimate for families no rule knows), benign lines that
raise a warning or worse, the fallback category weights chosen on the training folds, and the
findings on the clean real inputs (error/critical must be 0; fallback warnings per 10 MB).

    python benchmarks/analyze_recall.py [--corpus /work/shared/corpus] [--no-clean]
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import os
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("ENGAGE_RELEASES_FILE", "/nonexistent/releases.yaml")

from tests.unit.analyze.logbuilder import bundle_tar, console_log, json_log

from engage.diagnostics.analyze import Severity, analyze_path, build_scanner, fallback
from engage.diagnostics.analyze import reader as reader_module
from engage.diagnostics.analyze.lines import parse_line
from engage.diagnostics.analyze.registry import REGISTRY, load_rules
from engage.diagnostics.analyze.rule import Tier
from engage.diagnostics.analyze.scanner import LogSource

FOLDS = 5
CLEAN = (
    "k8s-logs/troubleshoot_testdata_support-bundle.tar.gz",
    "k8s-logs/troubleshoot_testdata_missing-version.tar.gz",
    "k8s-logs/fluentbit_docker-json_apache-access.log",
    "k8s-logs/fluentbit_docker-json_nested-escaped-json.log",
    "k8s-logs/fluentbit_docker-json_redis-session-db.log",
    "k8s-logs/fluentbit_docker-json_split-partial-lines.log",
    "k8s-logs/fluentbit_docker-json_stdout-stderr.log",
    "k8s-logs/must-gather-metal.tar.xz",
    "k8s-logs/must-gather-azure.tar.xz",
    "k8s-logs/azure-ci-job.tar.xz",
)


def load(corpus: Path) -> list[dict[str, Any]]:
    """Every signature of both files."""
    folder = corpus / "kubecost-signatures"
    return [
        json.loads(line)
        for name in ("signatures.jsonl", "signatures-2.jsonl")
        for line in (folder / name).read_text().splitlines()
        if line.strip()
    ]


def folds(sigs: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Failure lines dealt into folds by source report (largest reports first)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for sig in sigs:
        if not sig.get("benign"):
            groups.setdefault(sig["source"], []).append(sig)
    out: list[list[dict[str, Any]]] = [[] for _ in range(FOLDS)]
    for group in sorted(groups.values(), key=lambda g: (-len(g), g[0]["id"])):
        min(out, key=len).extend(group)
    return out


def glog(line: str) -> str:
    """The line as an old cost-model (klog) would print it, among info lines."""
    body = [f"I0514 09:00:{n:02d}.000000       1 router.go:{100 + n}] ok {n}" for n in range(20)]
    body.insert(10, f"E0514 09:00:10.000000       1 log.go:17] {line}")
    return "\n".join(body) + "\n"


def recognised(line_sig: dict[str, Any], root: Path) -> dict[str, bool]:
    """Per log shape: did a finding of one of the line's categories appear?"""
    component, line = line_sig["component"], line_sig["line"]
    shapes = {
        "console": (root / f"{component}.log", console_log(component, line)),
        "json": (root / "cost-model.log", json_log(line)),
        "glog": (root / f"{component}-klog.log", glog(line)),
    }
    out = {}
    for shape, (path, text) in shapes.items():
        path.write_text(text)
        out[shape] = _caught(analyze_path(path), line_sig)
        path.unlink()
    pod = f"kubecost-{component}-7d9f8c6b5-q2w3e/{component}"
    out["bundle"] = _caught(
        analyze_path(bundle_tar(root / "b.tar.gz", {pod: console_log(component, line)})),
        line_sig,
    )
    return out


def _caught(report: Any, sig: dict[str, Any]) -> bool:
    return any(f.category in sig["categories"] for f in report.findings)


@contextmanager
def specific_rules_off() -> Iterator[None]:
    """Only benign and state rules stay: what the fallback tier alone recognises."""
    saved = dict(REGISTRY._rules)
    REGISTRY._rules = {k: r for k, r in saved.items() if r.tier == Tier.BENIGN or not r.patterns}
    reader_module._scanner.cache_clear()
    try:
        yield
    finally:
        REGISTRY._rules = saved
        reader_module._scanner.cache_clear()


def category_accuracy(sigs: list[dict[str, Any]]) -> float:
    """Share of lines whose fallback category (message + component) is one of theirs."""
    good = sum(
        fallback.categorise(parse_line(s["line"]).message, s["component"]) in s["categories"]
        for s in sigs
    )
    return good / max(len(sigs), 1)


def tune(train: list[dict[str, Any]]) -> dict[str, int]:
    """Fallback weights with the best category accuracy on the training folds."""
    best, best_score = dict(fallback.WEIGHTS), -1.0
    for cat, comp in itertools.product((0, 1, 2, 3), (0, 1, 2, 3)):
        fallback.WEIGHTS.update(catalogue=cat, component=comp)
        score = category_accuracy(train)
        if score > best_score + 1e-9:
            best, best_score = {"catalogue": cat, "component": comp}, score
    return best


def cross_validate(sigs: list[dict[str, Any]], root: Path) -> None:
    """Print per-fold recall (all rules / fallback only) and tuned fallback weights."""
    parts = folds(sigs)
    defaults = dict(fallback.WEIGHTS)
    shapes = ("console", "json", "glog", "bundle")
    totals = {"all": [0, 0], "fallback": [0, 0]}
    print(
        f"{'fold':>4} {'lines':>5} {'reports':>7}  {'all rules':>9}  {'fallback only':>13}  "
        f"{'tuned weights (train)':>22}  {'fallback category: default/tuned (held out)':>44}"
    )
    for n, held in enumerate(parts):
        train = [s for m, part in enumerate(parts) if m != n for s in part]
        weights = tune(train)
        fallback.WEIGHTS.update(weights)
        tuned = category_accuracy(held)
        fallback.WEIGHTS.update(defaults)
        default = category_accuracy(held)
        scores = {}
        for mode in ("all", "fallback"):
            ok = total = 0
            with specific_rules_off() if mode == "fallback" else _nothing():
                for sig in held:
                    result = recognised(sig, root)
                    ok += sum(result[s] for s in shapes)
                    total += len(shapes)
            totals[mode][0] += ok
            totals[mode][1] += total
            scores[mode] = ok / total
        reports = len({s["source"] for s in held})
        print(
            f"{n + 1:>4} {len(held):>5} {reports:>7}  {scores['all']:>9.1%}  "
            f"{scores['fallback']:>13.1%}  {json.dumps(weights):>22}  "
            f"{default:>21.1%} / {tuned:.1%}"
        )
    print(
        f" all {sum(map(len, parts)):>5}          {totals['all'][0] / totals['all'][1]:>9.1%}  "
        f"{totals['fallback'][0] / totals['fallback'][1]:>13.1%}   (line x shape pairs)"
    )


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def benign(sigs: list[dict[str, Any]], root: Path) -> None:
    """Benign lines must raise nothing at warning or above (version notices aside)."""
    bad = []
    lines = [s for s in sigs if s.get("benign")]
    for sig in lines:
        path = root / f"{sig['component']}.log"
        path.write_text(console_log(sig["component"], sig["line"]))
        found = [
            f.rule_id
            for f in analyze_path(path).findings
            if f.severity >= Severity.WARNING and f.category != "version"
        ]
        if found:
            bad.append((sig["id"], found))
    print(f"benign lines with a warning or worse: {len(bad)} of {len(lines)} {bad or ''}")


def clean(corpus: Path) -> None:
    """Error/critical findings (must be 0) and fallback warnings per 10 MB on clean inputs.

    `as analysed` is what `engage analyze` reports (logs of workloads that are clearly not
    Kubecost are skipped outside engage bundles); `every log as Kubecost's` scans every text
    file of the input with the fallback tier on, the worst case for false positives.
    """
    print(
        f"\n{'clean input':54}{'MB':>7}{'err+crit':>9}{'fallback/10MB':>14}"
        f"{'worst case: shapes, lines/10MB':>32}"
    )
    for name in CLEAN:
        path = corpus / name
        if not path.exists():
            continue
        with tempfile.TemporaryDirectory() as scratch:
            if name.endswith(".tar.xz"):
                with tarfile.open(path) as archive:
                    archive.extractall(scratch, filter="data")
                path = Path(scratch)
            report = analyze_path(path)
            mb = report.bytes_scanned / 1e6
            errors = sum(1 for f in report.findings if f.severity >= Severity.ERROR)
            warnings = sum(f.count for f in report.findings if f.rule_id == fallback.RULE_ID)
            shapes, lines, total = worst_case(path)
        rate = warnings / mb * 10 if mb else 0.0
        worst = lines / (total / 1e6) * 10 if total else 0.0
        print(f"{name:54}{total / 1e6:7.1f}{errors:9d}{rate:14.1f}{shapes:16d}{worst:16.1f}")


def worst_case(path: Path) -> tuple[int, int, int]:
    """(distinct fallback shapes, fallback lines, bytes) scanning every text file as a log."""
    scanner = build_scanner()
    shapes: set[str] = set()
    count = [0, 0]

    def on_fallback(source: LogSource, line: Any, hit: Any) -> None:
        shapes.add(source.component + fallback.shape_of(line.message))
        count[0] += 1

    for name, data in _texts(path):
        count[1] += len(data)
        scanner.scan(
            io.BytesIO(data),
            LogSource(name, Path(name).stem, 0, None),
            on_hit=lambda *a: None,
            on_fallback=on_fallback,
        )
    return len(shapes), count[0], count[1]


def _texts(path: Path) -> Iterator[tuple[str, bytes]]:
    if path.is_dir():
        files = [p for p in sorted(path.rglob("*")) if p.is_file() and not p.is_symlink()]
        for item in files:
            data = item.read_bytes()
            if b"\x00" not in data[:8192]:
                yield str(item), data
    elif tarfile.is_tarfile(path):
        with tarfile.open(path) as archive:
            for member in archive.getmembers():
                handle = archive.extractfile(member) if member.isfile() else None
                if handle is not None:
                    data = handle.read()
                    if b"\x00" not in data[:8192]:
                        yield member.name, data
    else:
        yield path.name, path.read_bytes()


def main() -> None:
    """Cross-validate, check benign lines, measure clean inputs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("/work/shared/corpus"))
    parser.add_argument("--no-clean", action="store_true", help="skip the clean-input figures")
    args = parser.parse_args()
    load_rules()
    sigs = load(args.corpus)
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        cross_validate(sigs, root)
        benign(sigs, root)
    if not args.no_clean:
        clean(args.corpus)


if __name__ == "__main__":
    main()
