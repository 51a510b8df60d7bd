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

import os
import re
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engage.diagnostics.archives import ArchiveLimits, ArchiveRejected
from engage.diagnostics.archives import extract_archive as _extract
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
    max_expanded: int = 0  # the organisation's cap on unpacked bytes (0: the kind's own)

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
        if self.max_expanded and self.max_expanded < limits.max_total_bytes:
            limits = replace(limits, max_total_bytes=self.max_expanded)
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
    max_expanded: int = 0,
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
    job = Upload(kind, Path(upload), original_name, work, allow_raw, redactor, max_expanded)
    try:
        return PREPARERS[kind](job)
    except ArtifactRejected:
        shutil.rmtree(work, ignore_errors=True)
        raise


def _load_builtin() -> None:
    # the other kinds live in their own modules, which register themselves on import
    import engage.diagnostics.artifact_binary
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
