"""Inputs that are not logs: HAR files from the browser and Go heap profiles (pprof).

A HAR file shows what the Kubecost UI asked and got: failed requests (status >= 400, aborted,
timed out) and slow ones are reported by endpoint with the error text, the query window and
the wait. A heap profile is summarised by allocation site and Go package, with a finding when
a known memory-heavy path (ETL build, query result decoding, DuckDB) dominates.
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections import defaultdict
from collections.abc import Callable
from typing import Any, BinaryIO

from engage.diagnostics.analyze import fallback
from engage.diagnostics.analyze.model import Evidence, Finding, Severity
from engage.diagnostics.har import SLOW_MS, Request, is_har, outcome, requests_of
from engage.diagnostics.pprof import (
    MAX_PROFILE_BYTES,
    ProfileError,
    by_package,
    parse_profile,
    stack_share,
    top_sites,
)

MAX_HAR = 512 << 20
DOMINANT = 0.30  # a heavy path holding this share of the heap gets a finding
HAR_DOCS = ("https://github.com/kubecost/docs/blob/final/troubleshooting/troubleshoot-install.md",)
PPROF_DOCS = (
    "https://github.com/kubecost/docs/blob/final/install-and-configure/advanced-configuration/memory-usage.md",
)
COLLECT_NEXT = (
    "Collect a second heap profile 15-30 minutes later (`/debug/pprof/heap`) to see what "
    "grows, a goroutine profile, and the container's memory limit and restarts."
)
# (name, what it means, frame test)
HEAVY_PATHS: tuple[tuple[str, str, Callable[[str], Any]], ...] = (
    (
        "ETL build",
        "building or loading ETL sets (allocations/assets) in memory",
        re.compile(r"(?i)[./]etl[./]|AllocationSet|AssetSet|bingen|\.Build\b|MergeRange").search,
    ),
    (
        "query result decoding",
        "decoding Prometheus or API query results",
        re.compile(
            r"(?i)prom\w*\.\w*(?:Decode|Unmarshal|Parse|Result)|QueryResult|"
            r"encoding/json\.|jsoniter"
        ).search,
    ),
    ("DuckDB", "the aggregator's DuckDB database", re.compile(r"(?i)duckdb").search),
)


class SpecialFiles:
    """Collects HAR requests and heap profiles while the input is read."""

    def __init__(self, skip: Callable[[str, str], None]) -> None:
        """`skip(path, reason)` records a file that could not be read."""
        self._skip = skip  # (path, reason) of a file that could not be read
        self.requests: list[dict[str, Any]] = []
        self.profiles: list[dict[str, Any]] = []
        self.bytes_read = 0
        self._findings: list[Finding] = []

    def take(self, path: str, head: bytes, handle: BinaryIO) -> bool:
        """Read `path` if it is a HAR file or a heap profile; False when it is neither."""
        lower = path.lower()
        if lower.endswith((".har", ".har.json")):
            data = head + handle.read(MAX_HAR)
            self.bytes_read += len(data)
            self._har(path, data)
            return True
        if _is_profile(lower, head):
            data = head + handle.read(MAX_PROFILE_BYTES)
            self.bytes_read += len(data)
            return self._profile(path, data)
        return False

    def findings(self, threshold: Severity) -> list[Finding]:
        """HAR and profile findings at or above the threshold."""
        return [f for f in self._findings if f.severity >= threshold]

    # -- HAR ----------------------------------------------------------------------------------
    def _har(self, path: str, data: bytes) -> None:
        try:
            doc = json.loads(data.decode("utf-8-sig", errors="replace"))
        except ValueError as exc:
            self._skip(path, f"not a readable HAR file: {str(exc)[:80]}")
            return
        if not is_har(doc):
            self._skip(path, "JSON without log.entries, not a HAR file")
            return
        self.har_document(path, doc)

    def har_document(self, path: str, doc: dict[str, Any]) -> None:
        """Report the failed and slow requests of a parsed HAR document."""
        requests = requests_of(doc)
        self.requests += [dict(r.to_dict(), file=path) for r in requests]
        groups: dict[tuple[str, str, str], list[Request]] = defaultdict(list)
        for request in requests:
            if request.failed or request.total_ms >= SLOW_MS:
                groups[(request.method, request.endpoint, outcome(request))].append(request)
        for (method, endpoint, how), members in groups.items():
            self._findings.append(_request_finding(path, method, endpoint, how, members))
        self._findings.append(_har_summary(path, requests))

    # -- heap profiles -------------------------------------------------------------------------
    def _profile(self, path: str, data: bytes) -> bool:
        """Summarise a heap profile; always True (the bytes are consumed)."""
        try:
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            profile = parse_profile(data)
        except (ProfileError, OSError, EOFError, zlib.error) as exc:
            self._skip(path, f"not a readable pprof profile: {str(exc)[:80]}")
            return True
        if not profile.is_heap:
            self._skip(path, "a pprof profile that is not a heap profile (not analysed)")
            return True
        kind = "inuse_space" if profile.value_index("inuse_space") is not None else "alloc_space"
        summary: dict[str, Any] = {"file": path, "ranked_by": kind}
        for sample_type in ("inuse_space", "alloc_space"):
            summary[sample_type] = {
                "sites": [s.to_dict() for s in top_sites(profile, sample_type, 10)],
                "packages": by_package(profile, sample_type, 10, _kubecost_package),
            }
        heavy = []
        for name, meaning, test in HEAVY_PATHS:
            share, frame = stack_share(profile, kind, test)
            heavy.append({"path": name, "share": round(share, 4), "frame": frame})
            if share >= DOMINANT:
                self._findings.append(_heavy_finding(path, name, meaning, share, frame, kind))
        summary["heavy_paths"] = heavy
        self.profiles.append(summary)
        self._findings.append(_summary_finding(path, summary, kind))
        return True


def _kubecost_package(package: str) -> bool:
    """Kubecost's and OpenCost's own Go packages (allocation is charged to them)."""
    return "kubecost" in package or "opencost" in package


def _is_profile(lower: str, head: bytes) -> bool:
    """Gzip data named like a profile, or raw protobuf named `.pprof`/`.prof`/`.pb`."""
    named = lower.endswith((".pb.gz", ".pprof", ".prof", ".pb")) or "heap" in lower
    if head[:2] == b"\x1f\x8b":
        return named
    return lower.endswith((".pprof", ".prof", ".pb")) and head[:1] == b"\x0a"


def _request_finding(
    path: str, method: str, endpoint: str, how: str, members: list[Request]
) -> Finding:
    kubecost = members[0].kubecost
    errors = " ".join(r.error or "" for r in members[:5])
    if how == "slow":
        severity, category = Severity.WARNING, "prometheus" if kubecost else "networking"
    elif how == "aborted":  # often the page was left while the request ran
        severity, category = Severity.WARNING, "networking"
    elif how in ("timed out", "HTTP 502", "HTTP 503", "HTTP 504"):
        severity, category = Severity.ERROR, "networking"
    elif how in ("HTTP 401", "HTTP 403"):
        severity, category = Severity.ERROR, "auth"
    else:
        severity = Severity.ERROR if how.startswith("HTTP 5") else Severity.WARNING
        category = fallback.categorise(f"{endpoint} {errors}", "cost-analyzer-frontend")
    if not kubecost:  # third-party or static requests: worth knowing, not a Kubecost fault
        severity = Severity.INFO
    waits = sorted(r.total_ms for r in members)
    title = f"{method} {endpoint}: {how} ({len(members)}x, up to {waits[-1] / 1000:.1f}s)"
    evidence = [
        Evidence(
            path,
            None,
            f"{r.started or '-'} {r.method} {r.url} -> {r.status} after {r.total_ms:.0f} ms"
            + (f" (wait {r.wait_ms:.0f} ms)" if r.wait_ms else "")
            + (f" window={r.window}" if r.window else "")
            + (f": {r.error}" if r.error else ""),
        )
        for r in sorted(members, key=lambda r: -r.total_ms)[:3]
    ]
    return Finding(
        rule_id="har-request-failed" if how != "slow" else "har-request-slow",
        category=category,
        severity=severity,
        title=title,
        explanation=(
            "The browser recording (HAR) shows this request of the Kubecost UI "
            + ("took longer than 10 s." if how == "slow" else f"failed ({how}).")
        ),
        remediation=(
            "Match the time and window of the request with the cost-model/aggregator logs; "
            "slow or timed-out queries point at Prometheus or aggregator load, 5xx at the "
            "service behind the endpoint, 401/403 at SSO/RBAC settings."
        ),
        docs=list(HAR_DOCS),
        evidence=evidence,
        count=len(members),
        first_seen=min((r.started for r in members if r.started), default=None),
        last_seen=max((r.started for r in members if r.started), default=None),
    )


def _har_summary(path: str, requests: list[Request]) -> Finding:
    kubecost = [r for r in requests if r.kubecost]
    failed = sum(1 for r in requests if r.failed)
    slowest = sorted(kubecost or requests, key=lambda r: -r.total_ms)[:3]
    lines = [f"{len(requests)} requests ({len(kubecost)} to Kubecost APIs), {failed} failed"]
    lines += [
        f"{r.method} {r.endpoint} -> {r.status} in {r.total_ms:.0f} ms"
        + (f" window={r.window}" if r.window else "")
        for r in slowest
    ]
    return Finding(
        rule_id="har-summary",
        category="networking",
        severity=Severity.INFO,
        title=f"Browser recording (HAR): {len(requests)} requests, {failed} failed",
        explanation="What the browser asked and how long the slowest requests took.",
        remediation="Compare the slow or failed endpoints with the cost-model and aggregator "
        "logs of the same minutes.",
        docs=list(HAR_DOCS),
        evidence=[Evidence(path, None, line) for line in lines],
        count=len(requests),
        first_seen=min((r.started for r in requests if r.started), default=None),
        last_seen=max((r.started for r in requests if r.started), default=None),
    )


def _heavy_finding(
    path: str, name: str, meaning: str, share: float, frame: str | None, kind: str
) -> Finding:
    return Finding(
        rule_id="heap-heavy-path",
        category="memory",
        severity=Severity.WARNING,
        title=f"{name} holds {share:.0%} of the heap ({kind})",
        explanation=f"Most of the profiled memory is held by {meaning}.",
        remediation=(
            "Give the container more memory or shrink the work: fewer days of ETL kept in "
            "memory, smaller query windows/resolution, or fewer concurrent queries. " + COLLECT_NEXT
        ),
        docs=list(PPROF_DOCS),
        evidence=[Evidence(path, None, f"{share:.1%} of {kind} under {frame or name}")],
        count=1,
    )


def _summary_finding(path: str, summary: dict[str, Any], kind: str) -> Finding:
    sites = summary[kind]["sites"][:3]
    packages = summary[kind]["packages"][:3]
    lines = [f"{s['share']:.1%} {s['function']}" for s in sites]
    lines.append("packages: " + ", ".join(f"{p['package']} {p['share']:.0%}" for p in packages))
    allocated = summary["alloc_space"]["sites"][:3] if kind != "alloc_space" else []
    if allocated:
        lines.append(
            "allocated (alloc_space): "
            + ", ".join(f"{s['function']} {s['share']:.0%}" for s in allocated)
        )
    return Finding(
        rule_id="heap-profile-summary",
        category="memory",
        severity=Severity.INFO,
        title=f"Heap profile: top allocation sites by {kind}",
        explanation="Where the profiled process holds (in-use) or allocated memory.",
        remediation=COLLECT_NEXT,
        docs=list(PPROF_DOCS),
        evidence=[Evidence(path, None, line) for line in lines],
        count=1,
    )
