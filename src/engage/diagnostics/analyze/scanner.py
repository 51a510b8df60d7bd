"""One hyperscan pass over log bytes for every log-line rule at once.

All rule patterns (plus a few helper patterns: error-level markers for the charts, version
lines) are compiled into ONE block-mode database, so scanning cost does not grow with the number
of rules. Logs are read in large chunks cut at line ends; only the lines hyperscan flags are
decoded and handed to the rules' precise Python checks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, cast

import hyperscan

from engage.diagnostics.analyze.lines import LogLine, parse_line
from engage.diagnostics.analyze.rule import Hit, Rule
from engage.diagnostics.analyze.timestamps import parse_timestamp
from engage.diagnostics.versions import DetectedVersion, detect_version

CHUNK = 8 * 1024 * 1024
MAX_LINE = 8 * 1024 * 1024  # a longer "line" is scanned in windows and reported
EXCERPT = 400  # characters kept of an evidence line
CONFIRM_WINDOW = 16 * 1024  # characters of a huge line given to the Python check

# Error-level markers across Kubecost's log shapes (zerolog console, JSON, glog, logfmt, nginx).
_ERROR_MARKERS = (
    r"[0-9Z] ERR ",
    r"[0-9Z] FTL ",
    r"[0-9Z] (?:ERROR|FATAL) ",
    r"\[(?:Error|ERROR|emerg|crit|alert)\]",
    r"\[error\] \d",
    r"\"level\":\s?\"(?:error|fatal|panic)\"",
    r"level=(?:error|fatal)",
    r"^[EF]\d{4} \d\d:\d\d:\d\d",
    r"^panic: ",
    r"^\s?(?:ERROR|FATAL|CRITICAL) ",
    r"^(?:Error|ERROR|error|fatal error|FATAL): ",
)
# Warning-level markers, and words that name a failure in lines without a level: both feed
# the fallback tier (lines no specific or benign rule claims).
_WARNING_MARKERS = (
    r"[0-9Z] (?:WRN|WARN|WARNING) ",
    r"^\s?(?:WARN|WARNING) ",
    r"\[(?:Warning|WARNING|warn|Warn)\]",
    r"\"level\":\s?\"warn(?:ing)?\"",
    r"level=warn(?:ing)?",
    r"^W\d{4} \d\d:\d\d:\d\d",
    r"^\S+ Warning \w+ [\w.-]*/",
)
_FAILURE_WORDS = (
    r"(?i)\b(?:error|errors|failed|failure|unable to|cannot|could not|couldn't|denied|refused|"
    r"forbidden|timed out|timeout|exceeded|unauthori[sz]ed|panic|fatal|not authorized)\b"
)
_VERSION_MARKER = r"Starting (?:cost-model|kubecost|aggregator)[^\n]{0,40}(?:commit|version)"
_ERROR_ID = 1_000_000
_VERSION_ID = 1_000_001
_WARNING_ID = 1_000_002
_FAILURE_ID = 1_000_003
_FALLBACK_IDS = frozenset({_ERROR_ID, _WARNING_ID, _FAILURE_ID})


_BOUNDED_LINE_GAP = re.compile(r"\[\^\\n\]\{\d*,\d+\}|\.\{\d*,\d+\}")
_BOUNDED_CLASS_GAP = re.compile(r"\[\^\\n ([^\]]*)\]\{\d*,\d+\}")


def prefilter_form(pattern: str) -> str:
    """The pattern hyperscan scans for: bounded gaps (`[^\\n]{0,200}`, `.{0,40}`) widened to
    the rest of the line.

    Hyperscan runs bounded repeats as slow NFA states, and a database of many of them scans
    markedly slower; unbounded in-line gaps are cheap. The widened pattern matches a superset
    of lines, and every flagged line is still checked with the exact pattern in Python.
    """
    widened = _BOUNDED_LINE_GAP.sub(r"[^\\n]*", pattern)
    return _BOUNDED_CLASS_GAP.sub(r"[^\\n \1]*", widened)


@dataclass(frozen=True)
class LogSource:
    """Where a log came from: display path, component (container) and instance index."""

    path: str
    component: str
    instance: int
    kubecost: bool | None = None  # None = unknown workload (all rules apply)
    # False for other workloads' logs in a folder or archive (host journals of a must-gather):
    # generic rules and the fallback tier skip them
    related: bool = True


HitSink = Callable[[Rule, LogSource, Hit], None]
FallbackSink = Callable[[LogSource, LogLine, Hit], None]
ErrorSink = Callable[[LogSource, str], None]
VersionSink = Callable[[LogSource, DetectedVersion], None]


class LogScanner:
    """Scans log streams with every log-line rule in one hyperscan database."""

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = [r for r in rules if r.patterns]
        expressions: list[bytes] = []
        ids: list[int] = []
        flags: list[int] = []
        self._python: list[list[re.Pattern[str]]] = []
        for index, rule in enumerate(self.rules):
            # MULTILINE so that `^` means the start of a line inside a chunk
            flag = hyperscan.HS_FLAG_MULTILINE | (
                hyperscan.HS_FLAG_CASELESS if rule.caseless else 0
            )
            self._python.append(
                [re.compile(p, re.IGNORECASE if rule.caseless else 0) for p in rule.patterns]
            )
            for pattern in rule.patterns:
                expressions.append(prefilter_form(pattern).encode())
                ids.append(index)
                flags.append(flag)
        for pattern_id, markers in (
            (_ERROR_ID, _ERROR_MARKERS),
            (_WARNING_ID, _WARNING_MARKERS),
            (_FAILURE_ID, (_FAILURE_WORDS,)),
        ):
            for pattern in markers:
                expressions.append(pattern.encode())
                ids.append(pattern_id)
                flags.append(hyperscan.HS_FLAG_MULTILINE)
        expressions.append(prefilter_form(_VERSION_MARKER).encode())
        ids.append(_VERSION_ID)
        flags.append(0)
        self.pattern_count = len(expressions)
        self._db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        self._db.compile(expressions=expressions, ids=ids, elements=len(expressions), flags=flags)
        self._scratch = hyperscan.Scratch(self._db)

    def scan(
        self,
        stream: BinaryIO,
        source: LogSource,
        *,
        on_hit: HitSink,
        on_error_line: ErrorSink | None = None,
        on_version: VersionSink | None = None,
        on_fallback: FallbackSink | None = None,
        progress: Callable[[int], None] | None = None,
        first_line: int = 1,
    ) -> tuple[int, bool]:
        """Scan one log stream; returns (bytes read, whether an over-long line was split)."""
        sinks = _Sinks(on_hit, on_error_line, on_version, on_fallback)
        total = 0
        line_base = first_line
        split = False
        for chunk, end, huge in _chunks(stream):
            split = split or huge
            matches: list[tuple[int, int]] = []
            view = cast(bytes, memoryview(chunk)[:end])  # no copy; hyperscan takes buffers
            self._db.scan(
                view, match_event_handler=_collect, context=matches, scratch=self._scratch
            )
            counted_to, count = 0, 0
            if matches:
                counted_to, count = self._handle(chunk, end, matches, line_base, source, sinks)
            line_base += count + chunk.count(b"\n", counted_to, end)
            total += end
            if progress is not None:
                progress(end)
        return total, split

    def _handle(
        self,
        chunk: bytes,
        end: int,
        matches: list[tuple[int, int]],
        line_base: int,
        source: LogSource,
        sinks: _Sinks,
    ) -> tuple[int, int]:
        """Run the precise checks on flagged lines; returns (offset, newlines) counted so far."""
        lines: dict[int, set[int]] = {}
        ends: dict[int, int] = {}
        for stop, pattern_id in matches:
            start = chunk.rfind(b"\n", 0, max(stop - 1, 0)) + 1
            lines.setdefault(start, set()).add(pattern_id)
            ends.setdefault(start, stop)
        counted_to, count = 0, 0
        for start in sorted(lines):
            count += chunk.count(b"\n", counted_to, start)
            counted_to = start
            stop = chunk.find(b"\n", start, end)
            stop = stop if stop >= 0 else end
            if stop - start > CONFIRM_WINDOW:  # huge line: keep a window around the match
                first = max(start, ends[start] - CONFIRM_WINDOW // 2)
                raw = chunk[first : min(stop, first + CONFIRM_WINDOW)]
            else:
                raw = chunk[start:stop]
            text = _decode(raw)
            self._line(lines[start], text, line_base + count, source, sinks)
        return counted_to, count

    def _line(
        self, ids: set[int], text: str, number: int, source: LogSource, sinks: _Sinks
    ) -> None:
        when: str | None = None
        if _ERROR_ID in ids and sinks.on_error_line is not None:
            when = parse_timestamp(text)
            if when:
                sinks.on_error_line(source, when[:13])
        if _VERSION_ID in ids and sinks.on_version is not None:
            found = detect_version(text)
            if found:
                sinks.on_version(source, found)
        spans = {i: self._confirm(i, text) for i in ids if i < _ERROR_ID}
        confirmed = [(self.rules[i], n) for i, n in spans.items() if n >= 0]
        if source.kubecost is False:
            confirmed = [(r, n) for r, n in confirmed if not r.kubecost_only]
        if not source.related:
            confirmed = [(r, n) for r, n in confirmed if not r.generic]
        excerpt = clean_excerpt(text)
        if confirmed:
            # one finding per cause: the most specific rule of the top tier takes the line
            best, _ = max(confirmed, key=lambda rn: (rn[0].tier, rn[0].specificity, rn[1]))
            also = tuple(sorted(r.id for r, _ in confirmed if r is not best))
            when = when or parse_timestamp(text)
            sinks.on_hit(best, source, Hit(source.path, number, excerpt, when, also))
        elif sinks.on_fallback is not None and source.related and ids & _FALLBACK_IDS:
            parsed = parse_line(excerpt if text.startswith('{"log":') else text)
            if parsed.level in ("error", "warning") or (
                parsed.level is None and _FAILURE_ID in ids
            ):
                hit = Hit(source.path, number, excerpt, when or parsed.when)
                sinks.on_fallback(source, parsed, hit)

    def _confirm(self, index: int, text: str) -> int:
        """Length of the rule's longest matching pattern on the line; -1 when it does not hold."""
        spans = [len(m.group(0)) for p in self._python[index] if (m := p.search(text))]
        if not spans or not self.rules[index].confirm(text):
            return -1
        return max(spans)


@dataclass(frozen=True)
class _Sinks:
    on_hit: HitSink
    on_error_line: ErrorSink | None
    on_version: VersionSink | None
    on_fallback: FallbackSink | None


def _collect(pattern_id: int, start: int, end: int, flags: int, context: object) -> None:
    assert isinstance(context, list)
    context.append((end, pattern_id))


def _chunks(stream: BinaryIO) -> Iterator[tuple[bytes, int, bool]]:
    """(buffer, end, cut) blocks of whole lines: buffer[:end] is scanned; the rest carries over.

    A line longer than MAX_LINE is scanned in pieces (cut=True). Passing `end` instead of a
    slice avoids copying every block once more.
    """
    tail = b""
    while True:
        block = stream.read(CHUNK)
        if not block:
            if tail:
                yield tail, len(tail), False
            return
        data = tail + block if tail else block
        cut = data.rfind(b"\n")
        if cut < 0:
            if len(data) >= MAX_LINE:
                yield data, len(data), True
                tail = b""
            else:
                tail = data
            continue
        yield data, cut + 1, False
        tail = data[cut + 1 :]


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace").rstrip("\r")


def clean_excerpt(text: str) -> str:
    """The message of a line for evidence: unwraps Docker json-file records, caps the length."""
    stripped = text.strip()
    if stripped.startswith('{"log":') and len(stripped) < 100_000:
        try:
            record = json.loads(stripped)
            stripped = str(record.get("log", stripped)).strip()
        except ValueError:
            pass
    if len(stripped) > EXCERPT:
        stripped = stripped[: EXCERPT - 1] + "…"
    return stripped
