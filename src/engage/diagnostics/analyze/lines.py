"""Parse one log line into (time, level, message) before matching.

Shapes handled: zerolog console (`2024-05-01T10:00:00Z ERR msg`), logfmt (`level=error
msg="..."`), JSON records (`{"level":"warn","message":...}`, Docker json-file `{"log": ...}`),
glog (`E0102 10:00:00.000000 1 file.go:12] msg`, whose I-lines often carry `[Error]` inside),
nginx error logs (`2024/05/01 10:00:00 [error] 7#7: *5 msg`), Rust env_logger (`ERROR module:
msg`), Helm CLI output (`Error: ...`) and Kubernetes event lines (`Warning Reason: msg`).
The component comes from the log's path or container, not from the line.

    parse_line('E0102 10:00:00.1 1 main.go:9] boom').level  -> "error"
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from engage.diagnostics.analyze.timestamps import parse_timestamp

LEVELS = ("error", "warning", "info", "debug")

_CONSOLE = re.compile(
    r"^(?:\S*\d\S*\s+)?(ERR|ERROR|FTL|FATAL|PNC|PANIC|WRN|WARN|WARNING|INF|INFO|DBG|DEBUG|TRC)"
    r"\b:?\s*(.*)$"
)
_GLOG = re.compile(r"^([EFWI])\d{4} \d\d:\d\d:\d\d(?:\.\d+)?\s+\d+\s+[\w./-]+:\d+\]\s?(.*)$")
_GLOG_TAIL = re.compile(r"^[\w./-]+\.go:\d+\]\s?(.*)$")
_BRACKET = re.compile(r"^\[(Error|ERROR|Warning|WARNING|Warn|Info|INFO|Debug)\]:?\s*(.*)$")
_NGINX = re.compile(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[(\w+)\] (?:\d+#\d+: )?(?:\*\d+ )?(.*)$")
_GO_STD = re.compile(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d (.*)$")
_LOGFMT_LEVEL = re.compile(r"\blevel=\"?(\w+)")
_LOGFMT_MSG = re.compile(r"\b(?:msg|message)=(\"(?:[^\"\\]|\\.)*\"|\S+)")
_PREFIX = re.compile(r"^(Error|error|ERROR|panic|fatal error|Warning|WARNING)\b:?\s*(.*)$")
_EVENT = re.compile(r"^(?:\S+ )?(Warning|Normal) (\w+) (?:[\w.-]*/[^:\s]*)?: (.*)$")
_WORD_LEVELS = {
    "err": "error",
    "error": "error",
    "ftl": "error",
    "fatal": "error",
    "pnc": "error",
    "panic": "error",
    "crit": "error",
    "critical": "error",
    "emerg": "error",
    "alert": "error",
    "wrn": "warning",
    "warn": "warning",
    "warning": "warning",
    "inf": "info",
    "info": "info",
    "notice": "info",
    "dbg": "debug",
    "debug": "debug",
    "trc": "debug",
    "trace": "debug",
    "e": "error",
    "f": "error",
    "w": "warning",
    "i": "info",
    "fatal error": "error",
}


@dataclass(frozen=True)
class LogLine:
    """A parsed line: UTC time (ISO text) when known, level (or None) and the message."""

    when: str | None
    level: str | None
    message: str


def level_word(word: str) -> str | None:
    """`WRN` -> warning, `E` -> error, `notice` -> info; None when not a level."""
    return _WORD_LEVELS.get(word.strip().lower())


def parse_line(text: str) -> LogLine:
    """Split a raw log line into time, level and message (never raises)."""
    stripped = text.strip()
    when = parse_timestamp(stripped)
    if stripped.startswith("{"):
        record = _json(stripped)
        if record is not None:
            return _from_record(record, when)
    level, message = _split(stripped)
    if level in (None, "info", "debug"):
        # Kubecost's glog and console loggers print `[Error]` / `Error:` inside info lines
        inner = _BRACKET.match(message) or _PREFIX.match(message)
        if inner:
            level, message = level_word(inner.group(1)) or level, inner.group(2)
    return LogLine(when, level, message.strip())


def _split(text: str) -> tuple[str | None, str]:
    match = _GLOG.match(text)
    if match:
        return level_word(match.group(1)), match.group(2)
    match = _NGINX.match(text)
    if match:
        return level_word(match.group(1)), match.group(2)
    match = _GO_STD.match(text)
    if match:
        text = match.group(1)
    match = _CONSOLE.match(text)
    if match:
        return level_word(match.group(1)), match.group(2)
    if "level=" in text:
        found = _LOGFMT_LEVEL.search(text)
        msg = _LOGFMT_MSG.search(text)
        if found:
            body = msg.group(1).strip('"') if msg else text
            return level_word(found.group(1)), body
    match = _EVENT.match(text)
    if match:
        return ("warning" if match.group(1) == "Warning" else "info"), match.group(3)
    match = _GLOG_TAIL.match(text)
    if match:
        text = match.group(1)
    match = _BRACKET.match(text) or _PREFIX.match(text)
    if match:
        return level_word(match.group(1)), match.group(2)
    return None, text


def _json(text: str) -> dict[str, object] | None:
    if len(text) > 100_000:
        return None
    try:
        record = json.loads(text)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def _from_record(record: dict[str, object], when: str | None) -> LogLine:
    if "log" in record and isinstance(record["log"], str):  # Docker json-file wrapper
        inner = parse_line(record["log"])
        return LogLine(inner.when or when, inner.level, inner.message)
    raw_level = record.get("level") or record.get("severity") or record.get("lvl")
    level = level_word(str(raw_level)) if raw_level is not None else None
    message = record.get("message") or record.get("msg") or record.get("error")
    if message is None:
        return LogLine(when, level, json.dumps(record)[:2000])
    text = str(message)
    if "error" in record and record.get("error") != message:
        text += f": {record['error']}"
    if level is None and record.get("code") not in (None, 200):
        level = "error"  # a Kubecost API error body, e.g. {"code": 500, "message": ...}
    return LogLine(when, level, text)
