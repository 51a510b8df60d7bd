"""Streaming text redaction: big blocks split at line ends, one hyperscan pass per block.

Blocks that no trigger fires on are written as they are (the common case, and why this is
fast). Only flagged lines, and lines inside a multi-line state (a PEM body...), go through
Python. A line longer than ``max_line`` is cut into windows at a separator near the limit, so
memory stays flat even for a 2 GB single-line file; the file gets a note in the report.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from engage.diagnostics.redact.lines import LONG_LINE, Counter, LineRedactor, LineState
from engage.diagnostics.redact.scanner import KEYWORD_BASE, KV_OWNER, STRUCT_OWNER

BLOCK_SIZE = 4 << 20
MAX_LINE = 8 << 20
_WINDOW_SEPARATORS = b" \t,;&\"'<>"


@dataclass
class StreamState:
    """What carries from one block to the next within one file."""

    state: LineState | None = None
    long_lines: int = 0
    in_long_line: bool = False
    invalid_utf8_at: int = -1
    offset: int = 0


def _window_cut(data: bytes | bytearray, limit: int) -> int:
    """Where to cut a line with no newline: the last separator near the limit, else the limit."""
    low = max(0, limit - 65536)
    best = max(data.rfind(bytes([c]), low, limit) for c in _WINDOW_SEPARATORS)
    return best + 1 if best > 0 else limit


class TextStreamRedactor:
    """Redacts text from a byte stream to another, block by block."""

    def __init__(
        self, lines: LineRedactor, *, block_size: int = BLOCK_SIZE, max_line: int = MAX_LINE
    ) -> None:
        self.lines = lines
        self.block_size = block_size
        self.max_line = max(max_line, 1024)

    def redact_bytes(self, data: bytes, counter: Counter) -> bytes:
        """Redact a whole (small) text at once, e.g. one string value of a document."""
        state = StreamState()
        self.lines.counter = counter
        pieces = self.process_block(data, 0, len(data), state)
        return b"".join(data[p[0] : p[1]] if isinstance(p, tuple) else p for p in pieces)

    def stream(
        self,
        src: IO[bytes],
        dst: IO[bytes],
        counter: Counter,
        *,
        head: bytes = b"",
        progress: Callable[[int], None] | None = None,
    ) -> StreamState:
        """Redact ``head`` followed by the rest of ``src`` into ``dst``.

        Whole lines of each chunk are processed in place (no copy); only the partial line at a
        chunk's end is carried over to the next one.
        """
        state = StreamState()
        self.lines.counter = counter
        pending = bytearray(head)
        while True:
            chunk = src.read(self.block_size)
            if not chunk:
                if pending:
                    self._emit(dst, bytes(pending), 0, len(pending), state)
                return state
            if progress is not None:
                progress(len(chunk))
            first = chunk.find(b"\n")
            if first < 0:
                pending += chunk
                self._cut_windows(dst, pending, state)
                continue
            start = 0
            if pending:
                pending += chunk[: first + 1]
                self._emit(dst, bytes(pending), 0, len(pending), state)
                pending.clear()
                start = first + 1
            state.in_long_line = False
            last = chunk.rfind(b"\n") + 1
            if last > start:
                self._emit(dst, chunk, start, last, state)
            pending += chunk[last:]
            self._cut_windows(dst, pending, state)

    def _cut_windows(self, dst: IO[bytes], pending: bytearray, state: StreamState) -> None:
        while len(pending) >= self.max_line:
            cut = _window_cut(pending, self.max_line)
            if not state.in_long_line:
                state.long_lines += 1
                state.in_long_line = True
            self._emit(dst, bytes(pending[:cut]), 0, cut, state)
            del pending[:cut]

    @staticmethod
    def _check_utf8(buf: bytes, start: int, end: int, state: StreamState) -> None:
        if state.invalid_utf8_at < 0 and not buf.isascii():
            try:
                buf[start:end].decode("utf-8")
            except UnicodeDecodeError as exc:
                state.invalid_utf8_at = state.offset + exc.start
        state.offset += end - start

    def _emit(self, dst: IO[bytes], buf: bytes, start: int, end: int, state: StreamState) -> None:
        self._check_utf8(buf, start, end, state)
        view = memoryview(buf)
        for piece in self.process_block(buf, start, end, state):
            dst.write(view[piece[0] : piece[1]] if isinstance(piece, tuple) else piece)

    def redact_scanned(
        self, data: bytes, dst: IO[bytes], counter: Counter, hits: list[tuple[int, int]]
    ) -> StreamState:
        """Redact a whole text already in memory whose trigger hits are known (no rescan)."""
        if len(data) > self.max_line:  # may hold a line long enough to need windows
            return self.stream(io.BytesIO(data), dst, counter)
        state = StreamState()
        self.lines.counter = counter
        self._check_utf8(data, 0, len(data), state)
        view = memoryview(data)
        for piece in self.process_block(data, 0, len(data), state, hits):
            dst.write(view[piece[0] : piece[1]] if isinstance(piece, tuple) else piece)
        return state

    def process_block(
        self,
        buf: bytes,
        start: int,
        end: int,
        st: StreamState,
        hits: list[tuple[int, int]] | None = None,
    ) -> list[bytes | tuple[int, int]]:
        """Redact ``buf[start:end]`` (whole lines); return output pieces.

        A piece is either replacement bytes or a (start, end) span of ``buf`` to copy as is.
        ``hits``: the trigger hits of ``buf`` when the caller scanned it already.
        """
        flagged = self._flag_lines(buf, start, end, hits)
        if not flagged and st.state is None:
            return [(start, end)]
        starts = sorted(flagged)
        out: list[bytes | tuple[int, int]] = []
        pos, i = start, 0
        while pos < end:
            if st.state is None:
                while i < len(starts) and starts[i] < pos:
                    i += 1
                if i == len(starts):
                    out.append((pos, end))
                    break
                if starts[i] > pos:
                    out.append((pos, starts[i]))
                pos = starts[i]
            nl = buf.find(b"\n", pos, end)
            line_end = end if nl < 0 else nl + 1
            out.append(self._line(buf[pos:line_end], flagged.get(pos), st))
            pos = line_end
        return out

    def _line(
        self, line: bytes, owners: dict[int, list[int] | None] | None, st: StreamState
    ) -> bytes:
        handled: bytes | None = None
        if st.state is not None:
            handled, still_open = st.state.feed(line)
            if not still_open:
                st.state = None
        if handled is not None:
            return handled
        if not owners:
            return line
        redacted, opened = self.lines.redact_line(line, owners)
        if opened is not None:
            st.state = opened
        return redacted

    def _flag_lines(
        self, buf: bytes, start: int, end: int, found: list[tuple[int, int]] | None = None
    ) -> dict[int, dict[int, list[int] | None]]:
        """Line start -> {owner: end offsets of its hits relative to the line start}.

        The offsets are kept for very long lines only (the rules run in windows around them);
        on other lines the owner alone is recorded (None), which is most of the work saved.
        """
        flagged: dict[int, dict[int, list[int] | None]] = {}
        line_start = line_end = -1
        long_line = False
        hits: dict[int, list[int] | None] = {}
        if found is None:
            view = memoryview(buf)[start:end] if (start, end) != (0, len(buf)) else buf
            found = self.lines.compiled.scan(view)
        gated = self.lines.compiled.gated
        # keywords present in this block: a gated rule's hits count only where one is (its
        # ``check`` then wants one on the line itself)
        present = {o for _, o in found if o >= KEYWORD_BASE} if gated else set()
        structured = self.lines.structured is not None
        at_hits = self.lines.at_hits  # rules run at their hits: they need the offsets
        for hit_end, owner in found:
            if owner >= KEYWORD_BASE or (owner == STRUCT_OWNER and not structured):
                continue
            if owner in gated and gated[owner] not in present:
                continue
            last = start + (hit_end - 1 if hit_end > 0 else 0)
            if not line_start <= last < line_end:
                line_start = max(buf.rfind(b"\n", start, last) + 1, start)
                nl = buf.find(b"\n", last, end)
                line_end = end if nl < 0 else nl + 1
                long_line = line_end - line_start > LONG_LINE
                hits = flagged.setdefault(line_start, {})
            if long_line or owner == KV_OWNER or owner in at_hits:
                # key/value hits keep their offsets on every line: the keys they end at tell
                # whether the line holds a secret key at all (most hits are "secretName:")
                ends = hits.get(owner)
                if ends is None:
                    ends = hits[owner] = []
                ends.append(start + hit_end - line_start)
            else:
                hits[owner] = None
        return flagged
