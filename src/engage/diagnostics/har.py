"""HAR (HTTP Archive 1.2): validation for the redactor and intake, and reading the requests."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit


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


# -- reading what the UI asked and got --------------------------------------------------------
SLOW_MS = 10_000.0  # a Kubecost UI query that takes longer than this feels broken
# Kubecost API paths, also behind an ingress sub-path (`/kubecost/model/allocation`)
KUBECOST_PATHS = re.compile(
    r"(?:^/api|/model|/aggregator|/cloudCost|/cloud-cost|/savings|/forecast|/network-costs|"
    r"/etl|/turndown|/clusterController|/cluster-controller|/kubecost-api)(?:/|$)"
)
_ID_SEGMENT = re.compile(r"^(?:\d+|[0-9a-f]{8,}|[0-9a-f-]{36})$", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]{0,200}>")
_ERROR_KEYS = ("message", "error", "errors", "detail", "title", "warning")


@dataclass(frozen=True)
class Request:
    """One recorded request: endpoint, outcome, how long it took and what went wrong."""

    method: str
    endpoint: str
    url: str
    status: int
    wait_ms: float
    total_ms: float
    started: str | None
    window: str | None
    error: str | None
    failed: bool
    kubecost: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the URL without its query string)."""
        return {
            "method": self.method,
            "endpoint": self.endpoint,
            "status": self.status,
            "wait_ms": round(self.wait_ms, 1),
            "total_ms": round(self.total_ms, 1),
            "started": self.started,
            "window": self.window,
            "error": self.error,
            "failed": self.failed,
            "kubecost": self.kubecost,
        }


def endpoint_of(url: str) -> str:
    """`https://kc/model/allocation?window=7d` -> `/model/allocation` (ids become `{id}`)."""
    path = urlsplit(url).path or "/"
    parts = ["{id}" if _ID_SEGMENT.match(p) else p for p in path.split("/")]
    return "/".join(parts) or "/"


def requests_of(doc: dict[str, Any]) -> list[Request]:
    """Every entry of a HAR document as a Request (entries without a URL are left out)."""
    out = []
    for entry in doc["log"]["entries"]:
        if not isinstance(entry, dict):
            continue
        request, response = entry.get("request") or {}, entry.get("response") or {}
        url = str(request.get("url") or "")
        if not url:
            continue
        status = _int(response.get("status"))
        failure = str(response.get("_error") or entry.get("_error") or "")
        timings = entry.get("timings") or {}
        wait = max(_float(timings.get("wait")), 0.0)
        total = max(_float(entry.get("time")), wait)
        endpoint = endpoint_of(url)
        error = failure or (_body_error(response) if status >= 400 else None)
        out.append(
            Request(
                method=str(request.get("method") or "GET"),
                endpoint=endpoint,
                url=url.split("?", 1)[0],
                status=status,
                wait_ms=wait,
                total_ms=total,
                started=entry.get("startedDateTime"),
                window=_query_value(url, "window"),
                error=error,
                failed=status >= 400 or status <= 0 or bool(failure),
                kubecost=bool(KUBECOST_PATHS.search(endpoint)),
            )
        )
    return out


def outcome(request: Request) -> str:
    """`HTTP 502`, `aborted`, `timed out` or `slow`: how a request went wrong."""
    text = (request.error or "").lower()
    if "timed_out" in text or "timed out" in text or request.status in (408, 504):
        return "timed out"
    if request.status <= 0 or "abort" in text or "failed" in text:
        return "aborted"
    if request.status >= 400:
        return f"HTTP {request.status}"
    return "slow"


def _body_error(response: dict[str, Any]) -> str | None:
    content = response.get("content") or {}
    text = content.get("text")
    if not isinstance(text, str) or not text:
        return str(response.get("statusText") or "") or None
    if content.get("encoding") == "base64":
        try:
            text = base64.b64decode(text, validate=False).decode("utf-8", "replace")
        except ValueError:
            return None
    try:
        body = json.loads(text)
    except ValueError:
        return " ".join(_TAGS.sub(" ", text).split())[:300]
    if isinstance(body, dict):
        for key in _ERROR_KEYS:
            if body.get(key):
                return str(body[key])[:300]
    return json.dumps(body)[:300]


def _query_value(url: str, name: str) -> str | None:
    values = parse_qs(urlsplit(url).query).get(name)
    return values[0] if values else None


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0
