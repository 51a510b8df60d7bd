"""Preparers of the binary and structured kinds: bundles, heap profiles, aggregator databases,
screenshots, shared findings and files of another kind (registered on import)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from engage.diagnostics.archives import archive_format
from engage.diagnostics.artifacts import (
    ArtifactKind,
    ArtifactRejected,
    Prepared,
    Upload,
    head_bytes,
    preparer,
    safe_name,
)
from engage.diagnostics.bundle import BundleError, read_manifest, verify_bundle
from engage.diagnostics.duckdb_copy import DatabaseRejected, inspect_database, is_duckdb
from engage.diagnostics.pprof import ProfileError, heap_summary, read_profile


# -- engage bundle -----------------------------------------------------------------------------
@preparer(ArtifactKind.ENGAGE_BUNDLE)
def prepare_bundle(job: Upload) -> Prepared:
    """Manifest present, every checksum matches, a redaction report is present; kept as is."""
    if archive_format(job.path) not in ("tar.gz", "tar"):
        raise ArtifactRejected(
            "an engage bundle is the .tar.gz written by 'engage collect'; this file is not one"
        )
    root = job.extract()
    try:
        problems = verify_bundle(root)
        manifest = read_manifest(root)
    except BundleError as exc:
        raise ArtifactRejected(
            "the archive is not an engage bundle (no valid manifest.json); create it with "
            "'engage collect'"
        ) from exc
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise ArtifactRejected(
            f"the bundle does not match its manifest: {problems[0]}{more}; upload the "
            "bundle file exactly as 'engage collect' wrote it"
        )
    if not manifest.redaction:
        raise ArtifactRejected(
            "the bundle has no redaction report, so it may hold secrets; collect it again "
            "without turning redaction off"
        )
    top = next(p.parent for p in root.rglob("manifest.json"))
    return Prepared(
        job.kind,
        job.keep(),
        job.original_name,
        _bundle_summary(manifest),
        dict(manifest.redaction),
        top,
    )


def _bundle_summary(manifest: Any) -> dict[str, Any]:
    instances = [i for env in manifest.environments for i in env.instances]
    statuses = Counter(run.status for inst in instances for run in inst.collectors)
    return {
        "format": "engage-bundle",
        "case_id": manifest.case_id,
        "engage_version": manifest.engage_version,
        "created_at": manifest.created_at,
        "environments": [env.name for env in manifest.environments],
        "instances": len(instances),
        "files": len(manifest.files),
        "collectors": dict(sorted(statuses.items())),
        "missing_permissions": len(manifest.permissions.missing),
        "replacements": manifest.redaction.get("replacements", 0),
    }


# -- heap profile ------------------------------------------------------------------------------
@preparer(ArtifactKind.HEAP_PROFILE)
def prepare_heap_profile(job: Upload) -> Prepared:
    """A gzip'd pprof protobuf with heap sample types; stored as is with its top sites."""
    head = head_bytes(job.path)
    if head.startswith(b"heap profile:") or b"# runtime.MemStats" in head:
        raise ArtifactRejected(
            "this is the text form of a heap profile; download /model/debug/pprof/heap "
            "without '?debug=1' to get the binary profile"
        )
    if not head.startswith(b"\x1f\x8b"):
        raise ArtifactRejected(
            "a heap profile must be the gzip-compressed pprof file from "
            "/model/debug/pprof/heap; this file is not gzip-compressed"
        )
    try:
        profile = read_profile(job.path)
    except ProfileError as exc:
        raise ArtifactRejected(f"the heap profile cannot be read: {exc}") from exc
    if not profile.sample_types:
        raise ArtifactRejected("the file is not a pprof profile (it has no sample types)")
    if not profile.is_heap:
        types = ", ".join(f"{t}/{u}" for t, u in profile.sample_types)
        raise ArtifactRejected(
            f"this is not a heap profile (its sample types are {types}); download "
            "/model/debug/pprof/heap instead"
        )
    return Prepared(job.kind, job.keep(), job.original_name, heap_summary(profile))


# -- aggregator database -----------------------------------------------------------------------
@preparer(ArtifactKind.AGGREGATOR_DB)
def prepare_aggregator_db(job: Upload) -> Prepared:
    """A ``*.read`` DuckDB file (bare or in kubecost-aggregator.tar.gz) that opens read-only."""
    fmt = archive_format(job.path)
    if fmt is None:
        if not is_duckdb(job.path):
            raise ArtifactRejected(
                "the file is neither a DuckDB database nor a .tar.gz holding one; send "
                "kubecost-aggregator.tar.gz or the *.read file itself"
            )
        db, name, others = job.path, job.safe_name, list[str]()
    else:
        db, name, others = _find_database(job.extract())
    try:
        info = inspect_database(db)
    except DatabaseRejected as exc:
        raise ArtifactRejected(exc.reason) from exc
    summary = {**info.to_dict(), "file": name, "other_files": others}
    return Prepared(job.kind, job.keep(db, safe_name(name)), job.original_name, summary)


def _find_database(root: Path) -> tuple[Path, str, list[str]]:
    files = sorted(p for p in root.rglob("*") if p.is_file())
    candidates = [p for p in files if p.name.endswith(".read") and is_duckdb(p)]
    candidates = candidates or [p for p in files if is_duckdb(p)]
    if not candidates:
        raise ArtifactRejected(
            "the archive holds no DuckDB *.read file; pack the aggregator's "
            "kubecost-*.duckdb.read file as kubecost-aggregator.tar.gz"
        )
    db = max(candidates, key=lambda p: p.stat().st_size)
    others = [p.relative_to(root).as_posix() for p in files if p != db]
    return db, db.relative_to(root).as_posix(), others


# -- screenshot and other ----------------------------------------------------------------------
PNG = b"\x89PNG\r\n\x1a\n"
JPEG = b"\xff\xd8\xff"


@preparer(ArtifactKind.SCREENSHOT)
def prepare_screenshot(job: Upload) -> Prepared:
    """A PNG or JPEG image, recognised by its magic bytes; stored as is."""
    head = head_bytes(job.path, 32)
    if head.startswith(PNG):
        summary: dict[str, Any] = {"format": "png", "bytes": job.path.stat().st_size}
        if head[12:16] == b"IHDR":
            summary["width"] = int.from_bytes(head[16:20], "big")
            summary["height"] = int.from_bytes(head[20:24], "big")
    elif head.startswith(JPEG):
        summary = {"format": "jpeg", "bytes": job.path.stat().st_size}
    else:
        raise ArtifactRejected("a screenshot must be a PNG or JPEG image; this file is neither")
    return Prepared(job.kind, job.keep(), job.original_name, summary)


FINDING_KEYS = ("rule_id", "category", "severity", "title")
MAX_SHARED_FINDINGS = 2000
MAX_SHARED_EXCERPT = 500


@preparer(ArtifactKind.FINDINGS)
def prepare_findings(job: Upload) -> Prepared:
    """Analyzer findings shared instead of data: checked, redacted again, excerpts capped.

    This is what an organisation whose policy shares findings only sends; the intake keeps
    the findings on the case and stores no file.
    """
    try:
        doc = json.loads(job.path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArtifactRejected(
            f"findings must be the JSON `engage analyze --share findings` "
            f"prints; this is not JSON ({exc})"
        ) from None
    findings = doc.get("findings") if isinstance(doc, dict) else None
    if not isinstance(findings, list) or not isinstance(doc.get("summary"), dict):
        raise ArtifactRejected(
            "this JSON has no findings list and summary; create it with "
            "`engage analyze PATH --format json --share findings`"
        )
    if len(findings) > MAX_SHARED_FINDINGS:
        raise ArtifactRejected(f"at most {MAX_SHARED_FINDINGS} findings can be shared at once")
    for i, f in enumerate(findings):
        if not isinstance(f, dict) or any(not isinstance(f.get(k), str) for k in FINDING_KEYS):
            raise ArtifactRejected(f"finding {i} lacks one of {', '.join(FINDING_KEYS)}")
        for ev in f.get("evidence", []) if isinstance(f.get("evidence"), list) else []:
            if isinstance(ev, dict) and isinstance(ev.get("excerpt"), str):
                ev["excerpt"] = ev["excerpt"][:MAX_SHARED_EXCERPT]
    redactor = job.get_redactor()
    clean = redactor.redact_document(doc, name=job.original_name or "findings.json")
    out = job.folder("out") / "findings.json"
    out.write_text(json.dumps(clean, indent=2))
    summary = {
        "findings": len(findings),
        "summary": clean.get("summary", {}),
        "instances": len(clean.get("instances", []) or []),
    }
    return Prepared(job.kind, out, job.original_name, summary, redaction=redactor.report.to_dict())


@preparer(ArtifactKind.OTHER)
def prepare_other(job: Upload) -> Prepared:
    """Stored unchanged, but only when the organisation's policy allows raw data."""
    if not job.allow_raw:
        raise ArtifactRejected(
            "your organisation's policy does not allow files engage cannot sanitise; upload "
            "it as one of the listed kinds (logs, HAR, Helm values ...) or ask support to "
            "allow raw uploads"
        )
    summary = {
        "format": "raw",
        "bytes": job.path.stat().st_size,
        "container": archive_format(job.path),
    }
    return Prepared(job.kind, job.keep(), job.original_name, summary)
