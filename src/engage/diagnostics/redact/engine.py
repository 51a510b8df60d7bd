"""The Redactor: one per run, so pseudonyms stay consistent across every file it touches."""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, cast

from engage.diagnostics.redact.archives import redact_directory
from engage.diagnostics.redact.documents import DocumentRedactor
from engage.diagnostics.redact.errors import RedactionError, UnsupportedInput
from engage.diagnostics.redact.formats import Pipeline, is_tarball
from engage.diagnostics.redact.lines import LineRedactor
from engage.diagnostics.redact.parallel import (
    propagate_directory_parallel,
    redact_directory_parallel,
)
from engage.diagnostics.redact.passes import propagate_path
from engage.diagnostics.redact.report import FileCounter, Finding, RedactionReport
from engage.diagnostics.redact.rules import RuleSet
from engage.diagnostics.redact.scanner import compile_rules
from engage.diagnostics.redact.streams import CountingReader, NullSink
from engage.diagnostics.redact.textstream import TextStreamRedactor
from engage.diagnostics.redact.tokens import Pseudonymizer

Progress = Callable[[int], None]
CLEAN_VALUE_MAX = 256
CLEAN_VALUES_MAX = 100_000
JSON_IN_LINE_TRIES = 64  # "{" positions tried per line (a long line of broken JSON stays linear)


class Redactor:
    """Removes secrets from text, documents, streams, files, directories and tarballs."""

    def __init__(
        self,
        rules: RuleSet | None = None,
        *,
        pseudonymize: frozenset[str] = frozenset(),
        key: bytes | None = None,
        workers: int = 1,
        propagate: bool = True,
        domains: tuple[str, ...] = (),
    ) -> None:
        """``pseudonymize``: network identity kinds to replace as well (``ips``, ``macs``,
        ``hostnames``, ``domains``, ``emails`` or ``all``; a policy may make them the default).
        ``workers``: processes for folders (1: in this process). ``propagate``: replace every
        other occurrence of a value found secret anywhere in the run (known-value pass).
        ``domains``: more domains to pseudonymise (with ``domains`` or ``all``).
        """
        base = rules if rules is not None else RuleSet.builtin()
        if pseudonymize:
            wanted = {"domains", "all"} & set(pseudonymize)
            base = base.with_pseudonyms(sorted(pseudonymize), domains if wanted else ())
        self.rules = base
        self.report = RedactionReport()
        self.workers = max(1, workers)
        self.propagate = propagate
        self._pseudonymizer = Pseudonymizer(key)
        rules, prefilter = self.rules, self.rules.prefilter
        compiled = compile_rules(rules.pattern_rules, rules.key_rules, prefilter=prefilter)
        log_rules = [r for r in rules.pattern_rules if r.in_logs]
        compiled_logs = compile_rules(log_rules, rules.key_rules, prefilter=prefilter)
        self._lines = LineRedactor(compiled, self._pseudonymizer)
        self._text = TextStreamRedactor(self._lines)
        self._log_lines = LineRedactor(compiled_logs, self._pseudonymizer, self._lines.classifier)
        self._log_text = TextStreamRedactor(self._log_lines)
        self._local = threading.local()  # per-thread stack of files being redacted
        self._written: list[tuple[str, str]] | None = None  # output files of a pool run
        self._clean: set[str] = set()  # document string values no trigger fires on
        self._docs = DocumentRedactor(
            text=self._redact_value,
            mask=self._mask,
            count=self._count,
            classifier=self._lines.classifier,
            key_paths=self.rules.key_paths,
            changes=lambda: self._counters[-1].total if self._counters else 0,
            remember=self._pseudonymizer.remember,
        )
        self._lines.structured = self._log_lines.structured = self._json_in_line
        self._pipeline = Pipeline(
            text=self._text,
            log_text=self._log_text,
            docs=self._docs,
            report=self.report,
            using=self._using,
            always_structured=bool(self.rules.key_paths),
        )

    @property
    def pipeline(self) -> Pipeline:
        """The format dispatcher every file of this run goes through."""
        return self._pipeline

    @property
    def pseudonymizer(self) -> Pseudonymizer:
        """This run's tokens (HMAC key, mapping, known values)."""
        return self._pseudonymizer

    def use_report(self, report: RedactionReport) -> None:
        """Count into ``report`` from now on (a worker process counts per batch)."""
        self.report = self._pipeline.report = report

    @property
    def mapping(self) -> dict[str, str]:
        """Token -> original value, for the customer's own use (``--map``) only."""
        return dict(self._pseudonymizer.mapping)

    @property
    def _counters(self) -> list[FileCounter]:
        stack: list[FileCounter] | None = getattr(self._local, "counters", None)
        if stack is None:
            stack = self._local.counters = []
        return stack

    @contextmanager
    def _using(self, counter: FileCounter) -> Iterator[None]:
        self._counters.append(counter)
        previous = self._lines.counter
        self._lines.counter = self._log_lines.counter = counter
        try:
            yield
        finally:
            self._counters.pop()
            self._lines.counter = self._log_lines.counter = previous

    def _mask(self, rule: str, value: bytes) -> str:
        return self._lines.mask(rule, value).decode("utf-8")

    def _count(self, rule: str) -> None:
        if self._lines.counter is not None:
            self._lines.counter.add(rule)

    def _redact_value(self, value: str) -> str:
        counter = self._lines.counter
        if counter is None or value in self._clean:
            return value
        raw = value.encode("utf-8", "surrogateescape")
        if not self._lines.compiled.scan(raw):
            # no trigger at all: the text rules cannot change it (document walks meet the
            # same names, labels and timestamps thousands of times)
            if len(value) <= CLEAN_VALUE_MAX and len(self._clean) < CLEAN_VALUES_MAX:
                self._clean.add(value)
            return value
        out = self._text.redact_bytes(raw, counter)
        return value if out == raw else out.decode("utf-8", "surrogateescape")

    def _json_in_line(self, line: bytes) -> bytes:
        """A text line holding a JSON object with a Kubernetes Secret, a last-applied
        annotation or HELM_VALUES (audit logs, "applied ..." log lines): each such object is
        walked as a document, as a JSON file would be, and written back in the same style."""
        text = line.decode("utf-8", "surrogateescape")
        decoder = json.JSONDecoder()
        pieces: list[str] = []
        last, start, tries = 0, text.find("{"), 0
        while start >= 0 and tries < JSON_IN_LINE_TRIES:
            tries += 1
            try:
                obj, end = decoder.raw_decode(text, start)
            except ValueError:
                start = text.find("{", start + 1)
                continue
            if isinstance(obj, dict):
                redacted = self._docs.redact(obj, "line.json")
                if redacted != obj:
                    original = text[start:end]
                    compact = '": ' not in original and '", ' not in original
                    separators = (",", ":") if compact else (", ", ": ")
                    new = json.dumps(redacted, ensure_ascii=False, separators=separators)
                    pieces += [text[last:start], new]
                    last = end
            start = text.find("{", end)
        if not pieces:
            return line
        pieces.append(text[last:])
        return "".join(pieces).encode("utf-8", "surrogateescape")

    def redact_text(self, text: str, *, name: str = "<text>") -> str:
        """Redact a string, e.g. a log excerpt."""
        with self._using(self.report.counter(name)):
            return self._redact_value(text)

    def redact_document(self, obj: Any, *, name: str) -> Any:
        """Redacted copy of a parsed JSON/YAML document (Kubernetes objects, HAR, Helm values)."""
        with self._using(self.report.counter(name)):
            return self._docs.redact(obj, name)

    def redact_stream(self, src: IO[bytes], dst: IO[bytes], *, name: str) -> None:
        """Stream ``src`` to ``dst`` redacted; the format is chosen from ``name``.

        Raises UnsupportedInput for content that is refused (zip archives, corrupt gzip...).
        """
        self._pipeline.redact_stream(src, dst, name)

    def redact_path(
        self, src: Path, dst: Path, *, progress: Progress | None = None
    ) -> RedactionReport:
        """Redact a file, directory or tarball into ``dst`` of the same kind.

        Output is written next to ``dst`` and moved into place at the end, so a failed run
        leaves no partial output.
        """
        src, dst = Path(src), Path(dst)
        _check_paths(src, dst)
        partial = dst.with_name(f".{dst.name}.partial-{os.getpid()}")
        self._written = None
        try:
            self._write(src, partial, progress)
            if self.propagate and partial.is_dir() and self.workers > 1:
                propagate_directory_parallel(self, partial, self.workers, self._written)
            elif self.propagate:
                propagate_path(self, partial, dst.name)
            os.replace(partial, dst)
        except BaseException as exc:
            _remove(partial)
            if isinstance(exc, OSError):
                raise RedactionError(f"cannot write {dst}: {exc.strerror or exc}") from exc
            raise
        if not src.is_dir():  # a folder's files were counted as they were written
            self.report.bytes_in += _size(src)
            self.report.bytes_out += _size(dst)
        return self.report

    def _write(self, src: Path, out: Path, progress: Progress | None) -> None:
        if src.is_dir():
            out.mkdir()
            if self.workers > 1:
                self._written = redact_directory_parallel(self, src, out, self.workers, progress)
            else:
                redact_directory(self._pipeline, src, out, progress)
            return
        try:
            with open(src, "rb") as raw, open(out, "wb") as sink:
                reader: IO[bytes] = raw
                if progress is not None:
                    reader = cast(IO[bytes], CountingReader(raw, progress))
                self._pipeline.redact_stream(reader, sink, src.name)
        except UnsupportedInput as exc:
            raise RedactionError(f"{src.name}: {exc}") from exc
        except PermissionError as exc:
            raise RedactionError(f"cannot read {src}: permission denied") from exc

    def scan_path(self, path: Path) -> RedactionReport:
        """Run every rule over a path without writing anything (what would be replaced)."""
        path = Path(path)
        if not path.exists():
            raise RedactionError(f"{path} does not exist")
        if path.is_dir():
            redact_directory(self._pipeline, path, None, None)
            return self.report
        try:
            with open(path, "rb") as raw:
                self._pipeline.redact_stream(raw, cast(IO[bytes], NullSink()), path.name)
        except UnsupportedInput as exc:
            self.report.problem(path.name, str(exc), skipped=True)
        return self.report


def verify_path(path: Path, rules: RuleSet | None = None) -> list[Finding]:
    """Rescan redacted output: (file, rule) pairs of every detector that still fires."""
    return Redactor(rules).scan_path(Path(path)).findings()


def _check_paths(src: Path, dst: Path) -> None:
    if not src.exists():
        raise RedactionError(f"input {src} does not exist")
    if dst.exists() or dst.is_symlink():
        raise RedactionError(f"output {dst} already exists")
    if not dst.parent.is_dir():
        raise RedactionError(f"output folder {dst.parent} does not exist")
    if src.is_dir() and dst.resolve().is_relative_to(src.resolve()):
        raise RedactionError("output must not be inside the input folder")
    if is_tarball(dst.name) != (src.is_file() and is_tarball(src.name)):
        raise RedactionError(
            "output must be the same kind as the input "
            "(file -> file, folder -> folder, tarball -> tarball)"
        )


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _size(path: Path) -> int:
    return path.stat().st_size if path.is_file() else 0
