"""CSV and TSV files whose header names secret columns (``Password``, ``Secret access key``).

A credentials export (AWS's ``credentials.csv``, a user table dumped for support) keeps its
secrets in columns, not in ``key=value`` pairs: the header says which. Every cell of those
columns is masked; the file keeps its layout, and then goes through the text rules as usual.
"""

from __future__ import annotations

from collections.abc import Callable

from engage.diagnostics.redact.pairs import is_placeholder

TABLE_SUFFIXES = {".csv": b",", ".tsv": b"\t"}


def field_spans(line: bytes, sep: bytes) -> list[tuple[int, int]]:
    """[start, end) of each field's value in one line (inside the quotes of a quoted field)."""
    spans: list[tuple[int, int]] = []
    end_of_line = len(line.rstrip(b"\r\n"))
    pos = 0
    while True:
        if line.startswith(b'"', pos):
            i = pos + 1
            while True:
                j = line.find(b'"', i, end_of_line)
                if j < 0:  # an unterminated quote: the rest of the line
                    spans.append((pos + 1, end_of_line))
                    return spans
                if line.startswith(b'"', j + 1):  # "" is a quote inside the field
                    i = j + 2
                    continue
                break
            spans.append((pos + 1, j))
            cut = line.find(sep, j + 1, end_of_line)
        else:
            cut = line.find(sep, pos, end_of_line)
            spans.append((pos, end_of_line if cut < 0 else cut))
        if cut < 0:
            return spans
        pos = cut + 1


def mask_secret_columns(
    data: bytes,
    sep: bytes,
    classify: Callable[[bytes], str | None],
    mask: Callable[[str, bytes], bytes],
) -> bytes:
    """``data`` with every cell under a header that names a secret replaced by its token."""
    lines = data.splitlines(keepends=True)
    header_at = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if header_at is None:
        return data
    header = lines[header_at]
    rules = {
        column: rule
        for column, (start, end) in enumerate(field_spans(header, sep))
        if (rule := classify(header[start:end].strip())) is not None
    }
    if not rules:
        return data
    out = lines[: header_at + 1]
    for line in lines[header_at + 1 :]:
        pieces: list[bytes] = []
        last = 0
        for column, (start, end) in enumerate(field_spans(line, sep)):
            rule = rules.get(column)
            value = line[start:end]
            if rule is None or not value.strip() or is_placeholder(value.strip()):
                continue
            pieces += [line[last:start], mask(rule, value)]
            last = end
        out.append(b"".join([*pieces, line[last:]]) if pieces else line)
    return b"".join(out)
