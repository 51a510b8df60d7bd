"""Find the time of a log line (RFC 3339, JSON/logfmt fields, nginx) as UTC ISO text."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_ISO = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,]\d+)?\s?(Z|[+-]\d\d:?\d\d)?"
)
_NGINX = re.compile(r"^(\d{4})/(\d\d)/(\d\d) (\d\d):(\d\d):(\d\d)")
_UTC_PREFIX = re.compile(r"(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:[.,]\d+)?Z")
_HEAD = 120  # a timestamp is near the start of a line (or of a JSON record)


def parse_timestamp(line: str) -> str | None:
    """`2024-05-01T10:00:00.123+02:00 ERR ...` -> `2024-05-01T08:00:00Z`; None when absent."""
    fast = _utc_prefix(line)
    if fast is not None:
        return fast
    head = line[:_HEAD]
    match = _ISO.search(head) or _NGINX.match(head)
    if not match:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    try:
        when = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None
    offset = match.group(7) if match.re is _ISO else None
    if offset and offset != "Z":
        sign = 1 if offset[0] == "+" else -1
        digits = offset[1:].replace(":", "")
        when -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _utc_prefix(line: str) -> str | None:
    """Fast path for the common `YYYY-MM-DDTHH:MM:SS[.fff]Z` at the start of a line."""
    match = _UTC_PREFIX.match(line)
    return f"{match.group(1)}T{match.group(2)}Z" if match else None
