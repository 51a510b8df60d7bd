"""The known-value pass over a run's output (file, folder or tarball), after the main pass.

Plain files are scanned in memory with the literal database and rewritten only when a known
value occurs; compressed files and tarballs go through the pipeline in text-only mode (the
replacement is literal, so JSON, YAML and HAR stay valid) and replace the output only when
something was replaced. Counts go to the run's report under ``known-value``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

from engage.diagnostics.redact.errors import UnsupportedInput
from engage.diagnostics.redact.formats import _COMPRESSORS, Pipeline, is_tarball
from engage.diagnostics.redact.propagate import compile_known
from engage.diagnostics.redact.report import RedactionReport
from engage.diagnostics.redact.streams import is_binary
from engage.diagnostics.redact.textstream import TextStreamRedactor
from engage.diagnostics.redact.tokens import KNOWN_RULE

if TYPE_CHECKING:
    from engage.diagnostics.redact.engine import Redactor

IN_MEMORY_MAX = 64 << 20


class KnownValuePass:
    """Replaces every known value in already redacted output."""

    def __init__(self, redactor: Redactor) -> None:
        compiled = compile_known(redactor.pseudonymizer.known)
        self.active = compiled is not None
        self.scratch = RedactionReport()
        self.report = redactor.report
        if compiled is None:
            return
        _rules, lines, self.replacer = compiled
        text = TextStreamRedactor(lines)
        docs = redactor.pipeline.docs
        self.pipeline = Pipeline(
            text=text,
            log_text=text,
            docs=docs,
            report=self.scratch,
            using=redactor.pipeline.using,
            always_structured=False,
            text_only=True,
        )

    def file(self, path: Path | str, display: str) -> None:
        """Rewrite one output file in place if it holds a known value."""
        lower = display.lower()
        packed = is_tarball(lower) or lower.endswith(tuple(_COMPRESSORS))
        head, name = os.path.split(path)
        partial = os.path.join(head, f".{name}.known-{os.getpid()}")
        try:
            size = os.stat(path).st_size
        except FileNotFoundError:
            return  # refused by the main pass: not in the output
        if not packed and size <= IN_MEMORY_MAX:
            with open(path, "rb") as fh:
                data = fh.read()
            if not data or is_binary(data[:8192]):
                return
            new, count = self.replacer.replace(data)
            if count:
                counter = self.scratch.counter(display)
                for _ in range(count):
                    counter.add(KNOWN_RULE)
                with open(partial, "wb") as fh:
                    fh.write(new)
                os.replace(partial, path)
                self.scratch.bytes_out += len(new) - len(data)
            return
        before = self.scratch.total
        try:
            with open(path, "rb") as src, open(partial, "wb") as dst:
                self.pipeline.redact_stream(src, cast(IO[bytes], dst), display)
        except UnsupportedInput:
            if os.path.exists(partial):
                os.unlink(partial)
            return
        if self.scratch.total != before:
            self.scratch.bytes_out += os.stat(partial).st_size - os.stat(path).st_size
            os.replace(partial, path)
        else:
            os.unlink(partial)

    def finish(self) -> None:
        """Add what this pass replaced to the run's report (files were counted already)."""
        self.report.bytes_out += self.scratch.bytes_out
        for name, counts in self.scratch.counts_by_file.items():
            for rule, n in counts.items():
                self.report.counts_by_rule[rule] += n
                self.report.counts_by_file.setdefault(name, type(counts)())[rule] += n


def output_files(out: Path) -> list[tuple[str, str]]:
    """(path, name shown in the report) of every regular file under an output folder."""
    files = []
    top = os.fspath(out)
    for root, _dirs, names in os.walk(top):
        rel_root = os.path.relpath(root, top).replace(os.sep, "/")
        for name in sorted(names):
            path = os.path.join(root, name)
            if os.path.isfile(path) and not os.path.islink(path):
                files.append((path, name if rel_root == "." else f"{rel_root}/{name}"))
    return files


def propagate_path(redactor: Redactor, out: Path, name: str) -> None:
    """Run the known-value pass over an output path (a file, a folder or a tarball).

    ``name`` is the file name the output will have (``out`` may be a temporary name).
    """
    known = KnownValuePass(redactor)
    if not known.active:
        return
    if out.is_dir():
        for path, display in output_files(out):
            known.file(path, display)
    elif out.is_file():
        known.file(out, name)
    known.finish()
