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
_LOOK = 5  # the header may follow a prompt line (`$ kubectl get events -n kubecost`)


def is_event_table(head: bytes) -> bool:
    """True when one of the first lines is a `kubectl get events` header row."""
    lines = head.lstrip(b"\r\n").split(b"\n", _LOOK)[:_LOOK]
    return any(_HEADER.match(line) and b"MESSAGE" in line for line in lines)


def parse_event_table(text: str) -> list[dict[str, Any]]:
    """Event objects (type, reason, message, involvedObject, count) from a table."""
    rows = [r for r in text.splitlines() if r.strip()]
    while rows and not _HEADER.match(rows[0].encode()):
        rows.pop(0)  # a prompt or a blank line before the header
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
