"""`kubectl get events` text tables, turned into event objects like `-o json` gives.

    LAST SEEN   TYPE      REASON             OBJECT                        MESSAGE
    2m          Warning   FailedScheduling   pod/kubecost-cost-analyzer-0  0/3 nodes are ...

Columns are separated by two or more spaces (kubectl pads with a tab writer); the message is
the rest of the row. `-A` adds NAMESPACE in front; the old wide layout (FIRST SEEN, COUNT,
NAME, KIND, ...) is read the same way.
"""

from __future__ import annotations

import re
from typing import Any

_GAP = re.compile(r"\s{2,}")
_HEADER = re.compile(rb"^\s*(?:NAMESPACE\s+)?(?:LAST SEEN|LASTSEEN)\s+[A-Z ]*\bREASON\b")


def is_event_table(head: bytes) -> bool:
    """True when the text starts with a `kubectl get events` header row."""
    first = head.lstrip(b"\r\n").split(b"\n", 1)[0]
    return bool(_HEADER.match(first)) and b"MESSAGE" in first


def parse_event_table(text: str) -> list[dict[str, Any]]:
    """Event objects (type, reason, message, involvedObject, count) from a table."""
    rows = [r for r in text.splitlines() if r.strip()]
    if not rows:
        return []
    columns = [c.strip().upper() for c in _GAP.split(rows[0].strip())]
    events = []
    for row in rows[1:]:
        if _HEADER.match(row.encode()):
            columns = [c.strip().upper() for c in _GAP.split(row.strip())]
            continue
        cells = _GAP.split(row.strip(), maxsplit=len(columns) - 1)
        if len(cells) < len(columns):
            continue
        events.append(_event(dict(zip(columns, cells, strict=True))))
    return events


def _event(cells: dict[str, str]) -> dict[str, Any]:
    kind, _, name = cells.get("OBJECT", "").partition("/")
    if not name:
        kind, name = cells.get("KIND", ""), cells.get("NAME", kind)
    count = cells.get("COUNT", "1")
    event: dict[str, Any] = {
        "kind": "Event",
        "type": cells.get("TYPE", "Warning"),
        "reason": cells.get("REASON", ""),
        "message": cells.get("MESSAGE", ""),
        "involvedObject": {"kind": kind.capitalize(), "name": name},
        "count": int(count) if count.isdigit() else 1,
    }
    if "NAMESPACE" in cells:
        event["metadata"] = {"namespace": cells["NAMESPACE"]}
        event["involvedObject"]["namespace"] = cells["NAMESPACE"]
    return event
