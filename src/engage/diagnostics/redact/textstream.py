"""Streaming text redaction: big blocks split at line ends, one hyperscan pass per block.

Blocks that no trigger fires on are written as they are (the common case, and why this is
fast). Only flagged lines, and lines inside a multi-line state (a PEM body...), go through
Python. A line longer than ``max_line`` is cut into windows at a separator near the limit, so
memory stays flat even for a 2 GB single-line file; the file gets a note in the report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from engage.diagnostics.redact.lines import Counter, LineRedactor, LineState
from engage.diagnostics.redact.scanner import STRUCT_OWNER

BLOCK_SIZE = 4 << 20
MAX_LINE = 8 << 20
_WINDOW_SEPARATORS = b" \t,;&\"'<>"


@dataclass
class StreamState:
    """What carries from one block to the next within one file."""

    state: LineState | None = None
    long_lines: int = 0
    invalid_utf8_at: int = -1
    offset: int = 0


def _window_cut(data: bytes, limit: int) -> int:
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
        return b"".join(self.process_block(data, state))

    def stream(
        self,
        src: IO[bytes],
        dst: IO[bytes],
        counter: Counter,
        *,
        head: bytes = b"",
        progress: Callable[[int], None] | None = None,
    ) -> StreamState:
        """Redact ``head`` followed by the rest of ``src`` into ``dst``."""
        state = StreamState()
        carry = head
        while True:
            chunk = src.read(self.block_size)
            if progress is not None and chunk:
                progress(len(chunk))
            data = carry + chunk if carry else chunk
            if not chunk:
                if data:
                    self._emit(dst, data, state, counter)
                return state
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                if len(data) < self.max_line:
                    carry = data
                    continue
                cut = _window_cut(data, self.max_line)
                state.long_lines += 1
            self._emit(dst, data[:cut] if cut < len(data) else data, state, counter)
            carry = data[cut:]

    def _emit(self, dst: IO[bytes], block: bytes, state: StreamState, counter: Counter) -> None:
        if state.invalid_utf8_at < 0 and not block.isascii():
            try:
                block.decode("utf-8")
            except UnicodeDecodeError as exc:
                state.invalid_utf8_at = state.offset + exc.start
        state.offset += len(block)
        self.lines.counter = counter
        for piece in self.process_block(block, state):
            dst.write(piece)

    def process_block(self, block: bytes, st: StreamState) -> list[bytes]:
        """Redact a block that ends at a line end (or a window cut); return output pieces."""
        flagged = self._flag_lines(block)
        if not flagged and st.state is None:
            return [block]
        starts = sorted(flagged)
        out: list[bytes] = []
        pos = i = 0
        size = len(block)
        while pos < size:
            if st.state is None:
                while i < len(starts) and starts[i] < pos:
                    i += 1
                if i == len(starts):
                    out.append(block[pos:])
                    break
                out.append(block[pos : starts[i]])
                pos = starts[i]
            nl = block.find(b"\n", pos)
            end = size if nl < 0 else nl + 1
            line = block[pos:end]
            handled: bytes | None = None
            if st.state is not None:
                handled, still_open = st.state.feed(line)
                if not still_open:
                    st.state = None
            if handled is None:
                owners = flagged.get(pos)
                handled = line
                if owners:
                    handled, opened = self.lines.redact_line(line, owners)
                    if opened is not None:
                        st.state = opened
            out.append(handled)
            pos = end
        return out

    def _flag_lines(self, block: bytes) -> dict[int, set[int]]:
        flagged: dict[int, set[int]] = {}
        line_start = line_end = -1
        for end, owner in self.lines.compiled.scan(block):
            if owner == STRUCT_OWNER:
                continue
            last = end - 1 if end > 0 else 0
            if not line_start <= last < line_end:
                line_start = block.rfind(b"\n", 0, last) + 1
                nl = block.find(b"\n", last)
                line_end = len(block) if nl < 0 else nl + 1
            flagged.setdefault(line_start, set()).add(owner)
        return flagged
