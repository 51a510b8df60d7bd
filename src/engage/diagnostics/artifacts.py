"""Validate and sanitise an uploaded diagnostic artifact before anything else reads it.

``prepare_artifact`` checks an upload against the kind the customer declared and writes what
may be stored into a scratch folder: text is redacted, archives are unpacked safely (see
``archives``), binary kinds are checked for what they claim to be. Anything wrong becomes
``ArtifactRejected`` with a reason the customer can act on. Example::

    prepared = prepare_artifact(ArtifactKind.HEAP_PROFILE, Path("/tmp/upload-1"),
                                original_name="heap.pb.gz", scratch=Path("/tmp/work"))
    prepared.summary["top_sites"][0]["function"]        # 'main.loadCache'
    store.put_content(prepared.stored_path.open("rb"))  # only the sanitised file is kept

Each kind has one preparer in ``PREPARERS``; the built-in ones register the same way a
new kind would.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engage.diagnostics.archives import ArchiveLimits, ArchiveRejected, archive_format
from engage.diagnostics.archives import extract_archive as _extract
from engage.diagnostics.bundle import BundleError, read_manifest, verify_bundle
from engage.diagnostics.duckdb_copy import DatabaseRejected, inspect_database, is_duckdb
from engage.diagnostics.pprof import ProfileError, heap_summary, read_profile
from engage.domain.errors import EngageError

if TYPE_CHECKING:
    from engage.diagnostics.redact import Redactor

GiB, MiB = 1 << 30, 1 << 20


class ArtifactKind(StrEnum):
    """What support can ask for and a customer can upload."""

    ENGAGE_BUNDLE = "engage-bundle"
    BUG_REPORT = "bug-report"
    LOGS = "logs"
    HAR = "har"
    HEAP_PROFILE = "heap-profile"
    AGGREGATOR_DB = "aggregator-db"
    HELM_VALUES = "helm-values"
    SCREENSHOT = "screenshot"
    OTHER = "other"
    FINDINGS = "findings"  # `engage analyze --share findings` output: no customer data at all


SIZE_LIMITS: dict[ArtifactKind, int] = {
    ArtifactKind.ENGAGE_BUNDLE: 4 * GiB,
    ArtifactKind.BUG_REPORT: 200 * MiB,
    ArtifactKind.LOGS: 4 * GiB,
    ArtifactKind.HAR: 256 * MiB,
    ArtifactKind.HEAP_PROFILE: 256 * MiB,
    ArtifactKind.AGGREGATOR_DB: 32 * GiB,
    ArtifactKind.HELM_VALUES: 10 * MiB,
    ArtifactKind.SCREENSHOT: 25 * MiB,
    ArtifactKind.OTHER: 1 * GiB,
    ArtifactKind.FINDINGS: 20 * MiB,
}
"""Largest upload accepted per kind, in bytes (as uploaded, before unpacking)."""

ARCHIVE_LIMITS: dict[ArtifactKind, ArchiveLimits] = {
    ArtifactKind.ENGAGE_BUNDLE: ArchiveLimits(
        max_members=50_000, max_total_bytes=32 * GiB, max_ratio=500
    ),
    ArtifactKind.LOGS: ArchiveLimits(max_members=20_000, max_total_bytes=32 * GiB),
    ArtifactKind.BUG_REPORT: ArchiveLimits(max_members=1_000, max_total_bytes=2 * GiB),
    ArtifactKind.HAR: ArchiveLimits(max_members=1, max_total_bytes=SIZE_LIMITS[ArtifactKind.HAR]),
    # DuckDB files hold runs of empty blocks, so they compress far better than text
    ArtifactKind.AGGREGATOR_DB: ArchiveLimits(
        max_members=100, max_total_bytes=160 * GiB, max_ratio=2000
    ),
    ArtifactKind.HELM_VALUES: ArchiveLimits(max_members=1, max_total_bytes=50 * MiB),
}
"""Unpacking limits per kind (members, decompressed bytes, expansion ratio)."""

KIND_LABELS = {
    ArtifactKind.ENGAGE_BUNDLE: "an engage bundle",
    ArtifactKind.BUG_REPORT: "a bug report",
    ArtifactKind.LOGS: "logs",
    ArtifactKind.HAR: "a HAR file",
    ArtifactKind.HEAP_PROFILE: "a heap profile",
    ArtifactKind.AGGREGATOR_DB: "an aggregator database copy",
    ArtifactKind.HELM_VALUES: "Helm values",
    ArtifactKind.SCREENSHOT: "a screenshot",
    ArtifactKind.OTHER: "a file of another kind",
    ArtifactKind.FINDINGS: "analyzer findings",
}


class ArtifactRejected(EngageError):
    """An upload that failed validation; ``reason`` is one sentence the customer can act on."""

    status = 422
    title = "Artifact rejected"

    def __init__(self, reason: str) -> None:
        reason = reason[:1].upper() + reason[1:]
        reason = reason if reason.endswith((".", "?", "!")) else reason + "."
        super().__init__(reason)
        self.reason = reason


@dataclass
class Prepared:
    """A validated, sanitised artifact ready to store (everything lives under ``scratch``)."""

    kind: ArtifactKind
    stored_path: Path
    original_name: str
    summary: dict[str, Any] = field(default_factory=dict)
    redaction: dict[str, Any] | None = None
    analyzable: Path | None = None


@dataclass
class Upload:
    """One preparation in progress: the upload, its work folder and the policy."""

    kind: ArtifactKind
    path: Path
    original_name: str
    work: Path
    allow_raw: bool
    redactor: Redactor | None

    @property
    def safe_name(self) -> str:
        """The original file name reduced to a harmless one."""
        return safe_name(self.original_name)

    def folder(self, name: str) -> Path:
        """A new folder in the work area."""
        path = self.work / name
        path.mkdir()
        return path

    def extract(self, name: str = "unpacked", inner_name: str | None = None) -> Path:
        """Unpack the upload into a work folder within this kind's limits."""
        limits = ARCHIVE_LIMITS.get(self.kind, ArchiveLimits())
        try:
            out = _extract(
                self.path,
                self.work / name,
                limits=limits,
                inner_name=inner_name or strip_compression(self.safe_name),
            )
        except ArchiveRejected as exc:
            raise ArtifactRejected(exc.reason) from exc
        return out.root

    def keep(self, source: Path | None = None, name: str | None = None) -> Path:
        """Put ``source`` (default: the upload itself) into the output folder unchanged."""
        out = self.work / "out"
        out.mkdir(exist_ok=True)
        target = out / (name or self.safe_name)
        src = source or self.path
        try:
            os.link(src, target)
        except OSError:
            shutil.copyfile(src, target)
        return target

    def get_redactor(self) -> Redactor:
        """The caller's Redactor, or a fresh one with the built-in rules."""
        if self.redactor is None:
            from engage.diagnostics.redact import Redactor

            self.redactor = Redactor()
        return self.redactor


Preparer = Callable[[Upload], Prepared]
PREPARERS: dict[ArtifactKind, Preparer] = {}


def preparer(kind: ArtifactKind) -> Callable[[Preparer], Preparer]:
    """Register the function that validates and sanitises one kind."""

    def add(func: Preparer) -> Preparer:
        PREPARERS[kind] = func
        return func

    return add


def prepare_artifact(
    kind: ArtifactKind,
    upload: Path,
    *,
    original_name: str,
    scratch: Path,
    allow_raw: bool = False,
    redactor: Redactor | None = None,
) -> Prepared:
    """Validate ``upload`` as ``kind`` and sanitise it into a new folder under ``scratch``.

    The caller stores ``stored_path`` only and removes ``upload`` and the scratch folder
    afterwards. A shared ``redactor`` accumulates its report over every call.
    """
    kind = ArtifactKind(kind)
    _load_builtin()
    size = Path(upload).stat().st_size
    label = KIND_LABELS[kind]
    if size == 0:
        raise ArtifactRejected("the file is empty")
    if size > SIZE_LIMITS[kind]:
        raise ArtifactRejected(
            f"the file is {human_size(size)}; {label} may be at most "
            f"{human_size(SIZE_LIMITS[kind])}"
        )
    scratch.mkdir(parents=True, exist_ok=True)
    work = scratch / f"{kind.value}-{secrets.token_hex(6)}"
    work.mkdir()
    job = Upload(kind, Path(upload), original_name, work, allow_raw, redactor)
    try:
        return PREPARERS[kind](job)
    except ArtifactRejected:
        shutil.rmtree(work, ignore_errors=True)
        raise


def _load_builtin() -> None:
    # the text kinds live in their own module, which registers itself on import
    import engage.diagnostics.artifact_text  # noqa: F401


# -- helpers -----------------------------------------------------------------------------------
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_COMPRESSION = (".gz", ".tgz", ".xz", ".bz2", ".zip")


def safe_name(name: str, default: str = "upload") -> str:
    """A file name without folders, odd characters or a leading dot, at most 120 characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE.sub("_", base).lstrip(".")
    if len(base) > 120:
        stem, dot, suffix = base.rpartition(".")
        base = stem[: 119 - len(suffix)] + dot + suffix if dot and len(suffix) < 20 else base[:120]
    return base or default


def strip_compression(name: str) -> str:
    """``x.log.gz`` -> ``x.log``; ``x.tgz`` -> ``x.tar``."""
    lower = name.lower()
    if lower.endswith(".tgz"):
        return name[:-4] + ".tar"
    for suffix in _COMPRESSION:
        if lower.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def human_size(n: int) -> str:
    """1536 -> '1.5 KiB'."""
    size = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{int(size)} bytes" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def head_bytes(path: Path, n: int = 512) -> bytes:
    """The first ``n`` bytes of a file."""
    with open(path, "rb") as fh:
        return fh.read(n)


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
