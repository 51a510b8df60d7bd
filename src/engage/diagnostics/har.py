"""HAR (HTTP Archive 1.2) helpers shared by the redactor and the upload intake."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class HarError(ValueError):
    """A file that is not a usable HAR document."""


def is_har(doc: Any) -> bool:
    """True for a parsed HAR document: ``{"log": {"entries": [...]}}``."""
    log = doc.get("log") if isinstance(doc, dict) else None
    return isinstance(log, dict) and isinstance(log.get("entries"), list)


def load_har(path: Path) -> dict[str, Any]:
    """Parse a HAR file (a UTF-8 byte-order mark is allowed) or raise HarError."""
    try:
        doc = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise HarError(f"{path.name}: not a readable JSON file ({exc})") from exc
    if not is_har(doc):
        raise HarError(f"{path.name}: JSON without log.entries, not a HAR file")
    return dict(doc)


def entry_count(doc: dict[str, Any]) -> int:
    """Number of requests recorded in a HAR document."""
    return len(doc["log"]["entries"]) if is_har(doc) else 0
