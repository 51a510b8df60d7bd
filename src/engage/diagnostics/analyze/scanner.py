"""One hyperscan pass over log bytes for every log-line rule at once.

All rule patterns (plus a few helper patterns: error-level markers for the charts, version
lines) are compiled into ONE block-mode database, so scanning cost does not grow with the number
of rules. Logs are read in large chunks cut at line ends; only the lines hyperscan flags are
decoded and handed to the rules' precise Python checks.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
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
# Words that name a failure. A line with one of them goes to the fallback tier when it is at
# error or warning level, or has no level at all; error-level lines go there in any case.
# Warning-level lines without such a word (notices such as "next run in 5m") are not read:
# in a healthy Kubecost log they are one line in seven, and reading each in Python would cost
# far more than the whole scan.
_FAILURE_WORDS = (
    r"(?i)(?:\b|_)(?:errors?|failed|failure|fail|unable to|cannot|can't|could not|couldn't|"
    r"denied|refused|forbidden|timed out|timeout|exceeded|unauthori[sz]ed|panic|fatal|"
    r"not authorized|not found|missing|invalid|no such|did not|didn't|does not have|"
    r"unavailable|unreachable|rejected|violates?|not allowed|insufficient|out of memory|"
    r"oomkilled|crash\w*|abort\w*|expired|no space left)\b",
)
# An info-level line whose message opens with a failure ("INF Failed to download pricing
# data"): Kubecost logs some real failures at info level.
_LEADING_FAILURE = re.compile(
    r"(?:failed to|failure|error|unable to|could not|couldn't|cannot|can't)\b", re.IGNORECASE
)
_VERSION_MARKER = r"Starting (?:cost-model|kubecost|aggregator)[^\n]{0,40}(?:commit|version)"
_ERROR_ID = 1_000_000
_VERSION_ID = 1_000_001
_FAILURE_ID = 1_000_002
_ANCHOR_ID = 1_000_003
_FALLBACK_IDS = frozenset({_ERROR_ID, _FAILURE_ID})


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
    fallback: bool = True  # False when a state rule already reports these lines (events)


HitSink = Callable[[Rule, LogSource, Hit], None]
FallbackSink = Callable[[LogSource, LogLine, Hit], None]
ErrorSink = Callable[[LogSource, str], None]
VersionSink = Callable[[LogSource, DetectedVersion], None]


class LogScanner:
    """Scans log streams with every log-line rule in one hyperscan database."""

    def __init__(self, rules: list[Rule]) -> None:
        """Compile the marker database and the rule database for `rules`."""
        self.rules = [r for r in rules if r.patterns]
        self._position = {id(r): n for n, r in enumerate(self.rules)}
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
        self.pattern_count = len(expressions)
        self._db, self._scratch = _compile(expressions, ids, flags)
        # Stage 1 reads every byte, so it holds only cheap markers: error levels, failure
        # words, the version line and the rules' literal anchors. Only the lines it flags are
        # scanned with the rule database (stage 2), so the cost per byte does not grow with
        # the number of rules.
        first = [(p, _ERROR_ID, hyperscan.HS_FLAG_MULTILINE) for p in _ERROR_MARKERS]
        first += [(p, _FAILURE_ID, hyperscan.HS_FLAG_MULTILINE) for p in _FAILURE_WORDS]
        first.append((prefilter_form(_VERSION_MARKER), _VERSION_ID, 0))
        anchors = sorted({a for rule in self.rules for a in rule.anchors})
        first += [(re.escape(a), _ANCHOR_ID, hyperscan.HS_FLAG_CASELESS) for a in anchors]
        self._stage1, self._scratch1 = _compile(
            [p.encode() for p, _, _ in first], [i for _, i, _ in first], [f for *_, f in first]
        )

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
            self._stage1.scan(
                view, match_event_handler=_collect, context=matches, scratch=self._scratch1
            )
            if matches:
                matches += self._stage2(chunk, end, matches)
            counted_to, count = 0, 0
            if matches:
                counted_to, count = self._handle(chunk, end, matches, line_base, source, sinks)
            line_base += count + chunk.count(b"\n", counted_to, end)
            total += end
            if progress is not None:
                progress(end)
        return total, split

    def _stage2(
        self, chunk: bytes, end: int, marks: list[tuple[int, int]]
    ) -> list[tuple[int, int]]:
        """Rule matches on the lines stage 1 flagged, in chunk offsets."""
        starts = sorted({chunk.rfind(b"\n", 0, max(stop - 1, 0)) + 1 for stop, _ in marks})
        pieces, offsets, position = [], [], 0
        for start in starts:
            stop = chunk.find(b"\n", start, end)
            piece = chunk[start : stop if stop >= 0 else end]
            pieces.append(piece)
            offsets.append(position)
            position += len(piece) + 1
        found: list[tuple[int, int]] = []
        self._db.scan(
            b"\n".join(pieces), match_event_handler=_collect, context=found, scratch=self._scratch
        )
        out = []
        for stop, pattern_id in found:
            index = bisect_right(offsets, max(stop - 1, 0)) - 1
            out.append((starts[index] + stop - offsets[index], pattern_id))
        return out

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
        if ids == {_ANCHOR_ID}:
            return  # an anchor word, but no rule matched the line
        when: str | None = None
        if _ERROR_ID in ids and sinks.on_error_line is not None:
            when = parse_timestamp(text)
            if when:
                sinks.on_error_line(source, when[:13])
        if _VERSION_ID in ids and sinks.on_version is not None:
            found = detect_version(text)
            if found:
                sinks.on_version(source, found)
        confirmed = [self.rules[i] for i in ids if i < _ERROR_ID and self._confirm(i, text)]
        if source.kubecost is False:
            confirmed = [r for r in confirmed if not r.kubecost_only]
        if not source.related:
            confirmed = [r for r in confirmed if not r.generic]
        excerpt = clean_excerpt(text)
        if confirmed:
            # one finding per cause: the most specific rule of the top tier takes the line
            best = self._most_specific(confirmed, text)
            also = tuple(sorted(r.id for r in confirmed if r is not best))
            when = when or parse_timestamp(text)
            sinks.on_hit(best, source, Hit(source.path, number, excerpt, when, also))
        elif (
            sinks.on_fallback is not None
            and source.related
            and source.fallback
            and (ids & _FALLBACK_IDS)
        ):
            parsed = parse_line(excerpt if text.startswith('{"log":') else text)
            if parsed.level in ("error", "warning") or (
                _FAILURE_ID in ids
                and (parsed.level is None or _LEADING_FAILURE.match(parsed.message))
            ):
                hit = Hit(source.path, number, excerpt, when or parsed.when)
                sinks.on_fallback(source, parsed, hit)

    def _confirm(self, index: int, text: str) -> bool:
        if not any(p.search(text) for p in self._python[index]):
            return False
        return self.rules[index].confirm(text)

    def _most_specific(self, rules: list[Rule], text: str) -> Rule:
        """Highest tier, then specificity, then the longest matched text (ties only)."""
        top = max((r.tier, r.specificity) for r in rules)
        tied = [r for r in rules if (r.tier, r.specificity) == top]
        if len(tied) == 1:
            return tied[0]
        return max(tied, key=lambda r: self._span(self._position[id(r)], text))

    def _span(self, index: int, text: str) -> int:
        return max(
            (len(m.group(0)) for p in self._python[index] if (m := p.search(text))), default=0
        )


@dataclass(frozen=True)
class _Sinks:
    on_hit: HitSink
    on_error_line: ErrorSink | None
    on_version: VersionSink | None
    on_fallback: FallbackSink | None


def _compile(
    expressions: list[bytes], ids: list[int], flags: list[int]
) -> tuple[hyperscan.Database, hyperscan.Scratch]:
    if not expressions:  # hyperscan refuses an empty database
        expressions, ids, flags = [b"(?!)x"], [_ANCHOR_ID], [0]
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    database.compile(expressions=expressions, ids=ids, elements=len(expressions), flags=flags)
    return database, hyperscan.Scratch(database)


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
