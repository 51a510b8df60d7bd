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
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from engage.diagnostics.redact.archives import redact_directory_file
from engage.diagnostics.redact.passes import KnownValuePass, output_files
from engage.diagnostics.redact.report import Problem, RedactionReport

if TYPE_CHECKING:
    from engage.diagnostics.redact.engine import Redactor
    from engage.diagnostics.redact.formats import Pipeline

# Small enough that two workers finish together (a must-gather is ~3,500 files, a few large
# logs among them), large enough that per-task overhead stays negligible.
BATCH_BYTES = 2 << 20
BATCH_FILES = 64
_WORKER: Redactor | None = None  # set in the parent just before the pool forks
_KNOWN: KnownValuePass | None = None  # likewise, for the known-value pass


@dataclass
class BatchResult:
    """What one batch of files produced in a worker."""

    bytes_read: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    files: int = 0
    binary_files: list[str] = field(default_factory=list)
    empty_files: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    known: dict[bytes, bytes] = field(default_factory=dict)


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _walk(
    pipeline: Pipeline, src: Path, dst: Path, folders: list[str]
) -> Iterator[tuple[str, str, int]]:
    """Regular files under ``src`` as (path, relative path, size), as the folders are read.

    Links and special files are dealt with here (a link is kept if it stays inside the input,
    a device or FIFO is refused). Folders that hold no regular file and no folder are listed in
    ``folders`` (the others are made by the worker that writes their first file). Paths are
    strings: pathlib objects cost more per file than the syscalls, in this process and in the
    pickles sent to the workers.
    """
    root = os.fspath(src)
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        try:
            with os.scandir(os.path.join(root, rel_dir)) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            pipeline.report.problem(rel_dir or ".", f"unreadable folder ({exc.strerror}); skipped")
            if rel_dir:
                folders.append(os.path.join(dst, rel_dir))  # kept, empty, as before
            continue
        filled = False
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            if entry.is_symlink():
                redact_directory_file(pipeline, entry.path, rel, dst, None)
            elif entry.is_dir():
                filled = True
                stack.append(rel)
            elif entry.is_file():
                filled = True
                yield entry.path, rel, entry.stat(follow_symlinks=False).st_size
            else:
                redact_directory_file(pipeline, entry.path, rel, dst, None)
        if not filled and rel_dir:
            folders.append(os.path.join(dst, rel_dir))


def _batches(
    files: Iterator[tuple[str, str, int]], seen: list[tuple[str, str, int]]
) -> Iterator[list[tuple[str, str, int]]]:
    """Batches of about BATCH_BYTES or BATCH_FILES, each file also appended to ``seen``."""
    batch: list[tuple[str, str, int]] = []
    size = 0
    for item in files:
        seen.append(item)
        batch.append(item)
        size += item[2]
        if size >= BATCH_BYTES or len(batch) >= BATCH_FILES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _run_batch(batch: list[tuple[str, str, int]], dst: Path) -> BatchResult:
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
        empty_files=report.empty_files,
        bytes_in=report.bytes_in,
        bytes_out=report.bytes_out,
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
) -> list[tuple[str, str]]:
    """Redact the folder ``src`` into ``dst`` with ``workers`` processes.

    Returns the regular files handed to the workers: (output path, name in the report).
    """
    global _WORKER
    files: list[tuple[str, str, int]] = []
    folders: list[str] = []
    _WORKER = redactor
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            # batches go out while the folders are still being read: the workers start at once
            walk = _walk(redactor.pipeline, src, dst, folders)
            futures = [pool.submit(_run_batch, b, dst) for b in _batches(walk, files)]
            for future in futures:
                _merge(redactor, future.result())
                if progress is not None:
                    progress(future.result().bytes_read)
    finally:
        _WORKER = None
    for folder in folders:  # the ones no file needed: empty folders stay in the output
        os.makedirs(folder, exist_ok=True)
    out = os.fspath(dst)
    return [(os.path.join(out, rel), rel) for _path, rel, _size in files]


def _known_batch(batch: list[tuple[str, str]]) -> tuple[dict[str, dict[str, int]], int]:
    known = _KNOWN
    assert known is not None, "worker started without a known-value pass"
    known.scratch.counts_by_file.clear()  # what this batch replaced, nothing before it
    known.scratch.counts_by_rule.clear()
    known.scratch.bytes_out = 0
    for path, display in batch:
        known.file(path, display)
    counts = {f: dict(c) for f, c in known.scratch.counts_by_file.items()}
    return counts, known.scratch.bytes_out


def propagate_directory_parallel(
    redactor: Redactor, out: Path, workers: int, files: list[tuple[str, str]] | None = None
) -> None:
    """The known-value pass over an output folder, with ``workers`` processes.

    ``files``: the output files, when the caller knows them (else the folder is walked).
    """
    global _KNOWN
    known = KnownValuePass(redactor)
    if not known.active:
        return
    files = output_files(out) if files is None else files
    batches = [files[i : i + BATCH_FILES] for i in range(0, len(files), BATCH_FILES)]
    _KNOWN = known
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            for counts, grown in pool.map(_known_batch, batches):
                known.scratch.bytes_out += grown
                for name, rules in counts.items():
                    for rule, n in rules.items():
                        known.scratch.counts_by_rule[rule] += n
                        file_counts = known.scratch.counts_by_file.setdefault(name, Counter())
                        file_counts[rule] += n
    finally:
        _KNOWN = None
    known.finish()


def _merge(redactor: Redactor, result: BatchResult) -> None:
    report = redactor.report
    report.files += result.files
    for name, counts in result.counts.items():
        for rule, n in counts.items():
            report.counts_by_rule[rule] += n
            report.counts_by_file.setdefault(name, type(report.counts_by_rule)())[rule] += n
    report.binary_files += result.binary_files
    report.empty_files += result.empty_files
    report.bytes_in += result.bytes_in
    report.bytes_out += result.bytes_out
    report.problems += result.problems
    redactor.pseudonymizer.merge(result.mapping, result.known)
