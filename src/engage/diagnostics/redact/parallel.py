"""Folders redacted by a pool of worker processes (one per core), files sent in batches.

The workers are forked from the process that built the Redactor, so the compiled hyperscan
database, the rules and the run's HMAC key are inherited, not rebuilt per file or per worker:
every worker produces the same tokens as the parent would. Small files travel in batches
(about :data:`BATCH_BYTES` or :data:`BATCH_FILES` per task) so per-task overhead stays small.
Each batch returns what it counted and the values it found secret; the parent merges them,
so the report, the ``--map`` file and the known-value pass see the whole run.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from engage.diagnostics.redact.archives import redact_directory, redact_directory_file
from engage.diagnostics.redact.report import Problem, RedactionReport

if TYPE_CHECKING:
    from engage.diagnostics.redact.engine import Redactor

BATCH_BYTES = 8 << 20
BATCH_FILES = 256
_WORKER: Redactor | None = None  # set in the parent just before the pool forks


@dataclass
class BatchResult:
    """What one batch of files produced in a worker."""

    bytes_read: int = 0
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    files: int = 0
    binary_files: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    known: dict[bytes, bytes] = field(default_factory=dict)


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _batches(files: list[tuple[Path, Path]]) -> Iterator[list[tuple[Path, Path, int]]]:
    batch: list[tuple[Path, Path, int]] = []
    size = 0
    for path, rel in files:
        try:
            n = path.lstat().st_size
        except OSError:
            n = 0
        batch.append((path, rel, n))
        size += n
        if size >= BATCH_BYTES or len(batch) >= BATCH_FILES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _run_batch(batch: list[tuple[Path, Path, int]], dst: Path) -> BatchResult:
    redactor = _WORKER
    assert redactor is not None, "worker started without a Redactor"
    report = RedactionReport()
    redactor.use_report(report)
    tokens = redactor.pseudonymizer
    seen_map, seen_known = len(tokens.mapping), len(tokens.known)
    for path, rel, _size in batch:
        redact_directory_file(redactor.pipeline, path, rel, dst, None)
    return BatchResult(
        bytes_read=sum(n for _, _, n in batch),
        counts={f: dict(c) for f, c in report.counts_by_file.items()},
        files=report.files,
        binary_files=report.binary_files,
        problems=report.problems,
        mapping=dict(list(tokens.mapping.items())[seen_map:]),
        known=dict(list(tokens.known.items())[seen_known:]),
    )


def redact_directory_parallel(
    redactor: Redactor,
    src: Path,
    dst: Path,
    workers: int,
    progress: Callable[[int], None] | None,
) -> None:
    """Redact the folder ``src`` into ``dst`` with ``workers`` processes."""
    global _WORKER
    files: list[tuple[Path, Path]] = []
    redact_directory(redactor.pipeline, src, dst, None, defer=files)
    _WORKER = redactor
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            futures = [pool.submit(_run_batch, b, dst) for b in _batches(files)]
            for future in futures:
                _merge(redactor, future.result())
                if progress is not None:
                    progress(future.result().bytes_read)
    finally:
        _WORKER = None


def _merge(redactor: Redactor, result: BatchResult) -> None:
    report = redactor.report
    report.files += result.files
    for name, counts in result.counts.items():
        for rule, n in counts.items():
            report.counts_by_rule[rule] += n
            report.counts_by_file.setdefault(name, type(report.counts_by_rule)())[rule] += n
    report.binary_files += result.binary_files
    report.problems += result.problems
    redactor.pseudonymizer.merge(result.mapping, result.known)
