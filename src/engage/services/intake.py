"""Artifact intake: accept an upload, validate and sanitise it, store it under its content
hash, record it against the request row, analyse it later; downloads and retention.

Nothing is recorded until the sanitised file is safely in the object store, and everything
about one upload (artifact, row status, events, idempotency key) commits in one transaction,
so an upload that fails half-way leaves no artifact and no half-written row.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO

from engage.diagnostics.analyze import AnalyzeError, analyze_path
from engage.diagnostics.artifacts import (
    SIZE_LIMITS,
    ArtifactKind,
    ArtifactRejected,
    Prepared,
    prepare_artifact,
)
from engage.diagnostics.redact import Redactor
from engage.domain.cases import Case
from engage.domain.errors import Conflict, EngageError, NotFound, PermissionDenied, ValidationFailed
from engage.domain.intake import ArtifactRecord, RequestRow, RowStatus, UploadSession
from engage.domain.policy import policy_from_dict
from engage.domain.users import User
from engage.services import notify_hooks
from engage.services.access import visible_case
from engage.services.cases import record_event
from engage.services.diagnostics import case_row, kind_info, set_row_status
from engage.services.idempotency import remember_key, replay_key, request_hash
from engage.services.policy import artifact_allowed, record_audit
from engage.services.ports import Clock, JobQueue, ObjectStore, UnitOfWork
from engage.services.upload_stream import Spooled, UploadTooLarge

# Kinds engage cannot check beyond size and policy: a person looks before the row is done.
NEEDS_A_LOOK = frozenset({ArtifactKind.SCREENSHOT, ArtifactKind.OTHER})
MAX_CAP = max(SIZE_LIMITS.values())


class UploadRejected(ValidationFailed):
    """The upload is not what its kind needs; `reason` tells the customer what to fix."""

    title = "Upload rejected"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ArtifactGone(EngageError):
    """The artifact existed but was deleted (retention); only its record remains."""

    status = 410
    title = "Gone"


@dataclass(frozen=True)
class Target:
    """Where an upload goes: the case, the kind and its size cap, the row, raw data allowed."""

    case: Case
    kind: ArtifactKind
    cap: int
    row: RequestRow | None
    allow_raw: bool


def size_cap(kind: str | None) -> int:
    """The most bytes an upload of `kind` may have (the largest cap when unknown)."""
    try:
        return int(SIZE_LIMITS[ArtifactKind(kind or "")])
    except (ValueError, KeyError):
        return int(MAX_CAP)


def upload_target(
    uow: UnitOfWork, clock: Clock, *, actor: User, case_id: int, kind: str, row_id: int | None
) -> Target:
    """Check, before any byte is read, that `actor` may upload `kind` to this case and row."""
    case = visible_case(uow, actor, case_id)
    info = kind_info(kind)
    org = uow.orgs.get(case.org_id)
    assert org is not None
    policy = policy_from_dict(org.policy)
    raw = policy.stores_raw
    if not policy.allows_kind(info.kind.value):
        # a named contact's break-glass approval lets this kind through on this case
        if not artifact_allowed(
            uow, clock, org_policy=org.policy, case_id=case_id, kind=info.kind.value
        ):
            raise UploadRejected(policy.refusal(info.kind.value))
        raw = True
    if not case.is_open:
        raise Conflict("the case is resolved or closed; reopen it before uploading")
    row = None
    if row_id is None:
        row_id = _only_open_row(uow, case, info.kind)
    if row_id is not None:
        row = case_row(uow, case, row_id)
        request = uow.intake.get_request(row.request_id)
        assert request is not None
        if request.kind != info.kind.value:
            raise ValidationFailed(
                f"request row {row_id} asks for {request.kind}, not {info.kind.value}"
            )
        if row.status == RowStatus.WAIVED:
            raise Conflict(f"request row {row_id} was waived; support no longer needs it")
    return Target(case, info.kind, size_cap(info.kind.value), row, raw)


def _only_open_row(uow: UnitOfWork, case: Case, kind: ArtifactKind) -> int | None:
    """The one open row asking for `kind`, so `engage collect --upload` answers it."""
    assert case.id is not None
    kinds = {r.id: r.kind for r in uow.intake.requests(case.id)}
    open_rows = [
        r.id
        for r in uow.intake.rows(case.id)
        if kinds.get(r.request_id) == kind.value
        and r.status in (RowStatus.REQUESTED, RowStatus.REJECTED)
    ]
    return open_rows[0] if len(open_rows) == 1 else None


def accept_upload(
    uow: UnitOfWork,
    clock: Clock,
    store: ObjectStore,
    jobs: JobQueue,
    *,
    actor: User,
    case_id: int,
    kind: str,
    row_id: int | None,
    upload: Spooled,
    scratch: Path,
    idempotency_key: str | None = None,
    upload_id: str | None = None,
) -> ArtifactRecord:
    """Validate, sanitise and store a spooled upload; record it and queue its analysis.

    `upload_id` names the chunked upload session this completes (closed in the same commit).
    """
    target = upload_target(uow, clock, actor=actor, case_id=case_id, kind=kind, row_id=row_id)
    if upload.size > target.cap:
        raise UploadTooLarge(f"{target.kind.value} uploads are limited to {target.cap:,} bytes")
    digest = request_hash([case_id, target.kind.value, row_id, upload.sha256])
    existing = replay_key(uow, actor, idempotency_key, "artifact:upload", digest)
    if existing is not None and (found := uow.intake.get_artifact(existing)) is not None:
        return found
    work = Path(tempfile.mkdtemp(prefix="intake-", dir=_mkdir(scratch)))
    try:
        art = _prepare_and_store(uow, clock, store, target, actor, upload, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    remember_key(uow, actor, idempotency_key, "artifact:upload", digest, art.id)
    notify_hooks.upload_arrived(uow, clock, target.case, actor, art.original_name, art.kind)
    if upload_id is not None:
        uow.intake.update_upload(
            upload_id, status="completed", artifact_id=art.id, updated_at=clock.now()
        )
    uow.commit()
    if art.analyzable:
        jobs.enqueue("analyze_artifact", artifact_id=art.id)
    return art


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _prepare_and_store(
    uow: UnitOfWork,
    clock: Clock,
    store: ObjectStore,
    target: Target,
    actor: User,
    upload: Spooled,
    work: Path,
) -> ArtifactRecord:
    name = upload.name or f"{target.kind.value}"
    try:
        prepared = prepare_artifact(
            target.kind,
            upload.path,
            original_name=name,
            scratch=work,
            allow_raw=target.allow_raw,
            redactor=Redactor(),
        )
    except ArtifactRejected as exc:
        _record_rejection(uow, clock, target, actor, name, exc.reason)
        raise UploadRejected(exc.reason) from None
    case = target.case
    if target.kind == ArtifactKind.FINDINGS:
        return _keep_findings(uow, clock, target, actor, name, prepared)
    with Path(prepared.stored_path).open("rb") as fh:
        stored = store.put_content(fh)
    art = uow.intake.add_artifact(
        case_id=case.id,
        row_id=target.row.id if target.row else None,
        kind=target.kind.value,
        content_key=stored.key,
        size=stored.size,
        original_name=name[:255],
        summary=dict(prepared.summary),
        redaction=dict(prepared.redaction or {}),
        status="queued" if prepared.analyzable else "stored",
        analysis_error="",
        analyzable=bool(prepared.analyzable),
        uploaded_by=actor.id,
        uploaded_at=clock.now(),
    )
    record_event(
        uow,
        clock,
        case,
        actor,
        "artifact_uploaded",
        artifact_id=art.id,
        artifact_kind=art.kind,
        name=art.original_name,
        size=art.size,
        row_id=art.row_id,
    )
    if target.row is not None:
        done = RowStatus.RECEIVED if target.kind in NEEDS_A_LOOK else RowStatus.VALIDATED
        set_row_status(uow, clock, case, target.row, done, actor=actor)
    return art


def _keep_findings(
    uow: UnitOfWork, clock: Clock, target: Target, actor: User, name: str, prepared: Prepared
) -> ArtifactRecord:
    """Shared findings: keep them on the case and store no file (content_key stays empty)."""
    case = target.case
    doc = json.loads(Path(prepared.stored_path).read_text())
    art = uow.intake.add_artifact(
        case_id=case.id,
        row_id=target.row.id if target.row else None,
        kind=target.kind.value,
        content_key="",
        size=0,
        original_name=name[:255],
        summary=dict(prepared.summary),
        redaction=dict(prepared.redaction or {}),
        status="analyzed",
        analysis_error="",
        analyzable=False,
        uploaded_by=actor.id,
        uploaded_at=clock.now(),
    )
    findings: list[Mapping[str, Any]] = [_finding_row(f) for f in doc["findings"]]
    uow.intake.replace_findings(art.id, art.case_id, findings)
    record_event(
        uow,
        clock,
        case,
        actor,
        "findings_shared",
        artifact_id=art.id,
        findings=len(findings),
        row_id=art.row_id,
    )
    if target.row is not None:
        set_row_status(uow, clock, case, target.row, RowStatus.VALIDATED, actor=actor)
    return art


def _record_rejection(
    uow: UnitOfWork, clock: Clock, target: Target, actor: User, name: str, reason: str
) -> None:
    """Keep the rejection (row status and reason, or an event) even though the upload fails."""
    if target.row is not None:
        set_row_status(
            uow,
            clock,
            target.case,
            target.row,
            RowStatus.REJECTED,
            actor=None,
            reason=f"{name}: {reason}",
        )
    else:
        record_event(
            uow,
            clock,
            target.case,
            actor,
            "artifact_rejected",
            artifact_kind=target.kind.value,
            name=name,
            reason=reason,
        )
    uow.commit()


def case_artifact(uow: UnitOfWork, case: Case, artifact_id: int) -> ArtifactRecord:
    """An artifact of this case, or NotFound."""
    art = uow.intake.get_artifact(artifact_id)
    if art is None or art.case_id != case.id:
        raise NotFound(f"artifact {artifact_id} not found on case {case.id}")
    return art


def open_download(
    uow: UnitOfWork,
    clock: Clock,
    store: ObjectStore,
    *,
    actor: User,
    case_id: int,
    artifact_id: int,
) -> tuple[ArtifactRecord, BinaryIO]:
    """Open an artifact for `actor` (support, or the uploading organisation), audited."""
    case = visible_case(uow, actor, case_id)
    art = case_artifact(uow, case, artifact_id)
    if art.deleted_at is not None:
        raise ArtifactGone(
            f"artifact {artifact_id} was deleted on {art.deleted_at:%Y-%m-%d} (retention)"
        )
    if not art.content_key:
        raise ArtifactGone(
            f"artifact {artifact_id} holds shared findings only; they are on the "
            "case and no file was ever stored"
        )
    org = uow.orgs.get(case.org_id)
    assert org is not None
    if actor.is_support and not policy_from_dict(org.policy).support_may_download:
        raise PermissionDenied(
            "this organisation's policy does not let support download "
            "artifacts; use the findings on the case"
        )
    handle = store.open(art.content_key)
    uow.intake.add_download(art.id, actor.id, clock.now())
    record_event(
        uow, clock, case, actor, "artifact_downloaded", artifact_id=art.id, name=art.original_name
    )
    record_audit(
        uow,
        clock,
        org_id=case.org_id,
        actor=actor,
        kind="artifact_downloaded",
        case_id=case.id,
        artifact_id=art.id,
        artifact_kind=art.kind,
        name=art.original_name,
    )
    uow.commit()
    return art, handle


def stream_chunks(handle: BinaryIO, size: int = 1 << 20) -> Iterator[bytes]:
    """Read an opened artifact in blocks for a streaming response, closing it at the end."""
    try:
        while block := handle.read(size):
            yield block
    finally:
        handle.close()


_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def analyze_artifact(
    uow: UnitOfWork, clock: Clock, store: ObjectStore, *, artifact_id: int, scratch: Path
) -> None:
    """Run the analyzer on a stored artifact and attach its findings to the case."""
    art = uow.intake.get_artifact(artifact_id)
    if art is None or art.deleted_at is not None or not art.analyzable:
        return
    case = uow.cases.get(art.case_id)
    assert case is not None
    work = Path(tempfile.mkdtemp(prefix="analyze-", dir=_mkdir(scratch)))
    try:
        path = work / (_SAFE.sub("_", art.original_name).lstrip(".") or art.kind)
        with store.open(art.content_key) as src, path.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        report = analyze_path(path).to_dict()
        findings: list[Mapping[str, Any]] = [_finding_row(f) for f in report["findings"]]
    except (AnalyzeError, OSError, ValueError) as exc:
        uow.intake.update_artifact(art.id, status="failed", analysis_error=str(exc)[:2000])
        record_event(
            uow,
            clock,
            case,
            None,
            "analysis_failed",
            artifact_id=art.id,
            internal=True,
            error=str(exc)[:500],
        )
        uow.commit()
        return
    finally:
        shutil.rmtree(work, ignore_errors=True)
    uow.intake.replace_findings(art.id, art.case_id, findings)
    uow.intake.update_artifact(art.id, status="analyzed", analysis_error="")
    worst = sorted({f["severity"] for f in findings})
    notify_hooks.upload_analysed(uow, clock, case, art.original_name, findings)
    record_event(
        uow,
        clock,
        case,
        None,
        "analysis_finished",
        artifact_id=art.id,
        name=art.original_name,
        findings=len(findings),
        severities=worst,
    )
    uow.commit()


def _finding_row(f: dict[str, Any]) -> dict[str, Any]:
    return {
        "rule_id": str(f["rule_id"])[:100],
        "category": str(f["category"])[:64],
        "severity": str(f["severity"])[:16],
        "title": str(f["title"])[:300],
        "explanation": str(f.get("explanation", "")),
        "remediation": str(f.get("remediation", "")),
        "evidence": list(f.get("evidence", []))[:20],
        "count": int(f.get("count", 0)),
    }


def apply_retention(uow: UnitOfWork, clock: Clock, store: ObjectStore) -> int:
    """Delete artifacts older than their organisation's retention days; returns how many."""
    now = clock.now()
    deleted = 0
    for org in uow.orgs.all():
        assert org.id is not None
        try:
            days = policy_from_dict(org.policy).retention_days
        except ValidationFailed:
            days = 30
        for art in uow.intake.expired_artifacts(org.id, now - timedelta(days=days)):
            if art.content_key and not uow.intake.key_in_use(art.content_key, except_id=art.id):
                store.delete(art.content_key)
            uow.intake.update_artifact(art.id, deleted_at=now, status="deleted")
            case = uow.cases.get(art.case_id)
            assert case is not None
            record_event(
                uow,
                clock,
                case,
                None,
                "artifact_deleted",
                artifact_id=art.id,
                name=art.original_name,
                reason="retention",
                retention_days=days,
            )
            uow.commit()
            deleted += 1
    return deleted


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB blocks."""
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            sha.update(block)
    return sha.hexdigest()


# -- resumable chunked uploads -------------------------------------------------------------

CHUNK_MAX = 64 << 20  # one PUT carries at most this many bytes


def part_path(scratch: Path, upload_id: str) -> Path:
    """Where the bytes of a chunked upload accumulate."""
    return scratch / "uploads" / f"{upload_id}.part"


def start_upload(
    uow: UnitOfWork,
    clock: Clock,
    *,
    actor: User,
    case_id: int,
    kind: str,
    size: int,
    name: str,
    row_id: int | None,
    scratch: Path,
) -> UploadSession:
    """Open a resumable upload of `size` bytes; chunks then arrive with Content-Range."""
    target = upload_target(uow, clock, actor=actor, case_id=case_id, kind=kind, row_id=row_id)
    if size <= 0:
        raise ValidationFailed("size must be a positive number of bytes")
    if size > target.cap:
        raise UploadTooLarge(f"{target.kind.value} uploads are limited to {target.cap:,} bytes")
    now = clock.now()
    assert actor.id is not None
    session = uow.intake.add_upload(
        id=uuid.uuid4().hex,
        case_id=case_id,
        row_id=row_id,
        kind=target.kind.value,
        original_name=os.path.basename(name.replace("\\", "/"))[:255],
        size=size,
        received=0,
        status="open",
        artifact_id=None,
        created_by=actor.id,
        created_at=now,
        updated_at=now,
    )
    path = part_path(scratch, session.id)
    _mkdir(path.parent)
    path.touch()
    uow.commit()
    return session


def upload_session(uow: UnitOfWork, *, actor: User, case_id: int, upload_id: str) -> UploadSession:
    """An upload session of this case that `actor` may use (its creator, or support)."""
    case = visible_case(uow, actor, case_id)
    session = uow.intake.get_upload(upload_id)
    if session is None or session.case_id != case.id:
        raise NotFound(f"upload {upload_id} not found on case {case_id}")
    return session


def check_chunk(
    uow: UnitOfWork, *, actor: User, case_id: int, upload_id: str, start: int, end: int, total: int
) -> UploadSession:
    """Refuse a chunk that does not continue the upload (bytes start-end of total)."""
    session = upload_session(uow, actor=actor, case_id=case_id, upload_id=upload_id)
    if session.status != "open":
        raise Conflict(f"upload {upload_id} is {session.status}")
    if total != session.size or not 0 <= start <= end < total:
        raise ValidationFailed(
            f"Content-Range must lie within the {session.size} bytes "
            "announced when the upload started"
        )
    if start > session.received:
        raise Conflict(f"upload {upload_id} has {session.received} bytes; send from there")
    if end - start + 1 > CHUNK_MAX:
        raise ValidationFailed(f"a chunk may carry at most {CHUNK_MAX} bytes")
    return session


def record_chunk(uow: UnitOfWork, clock: Clock, *, upload_id: str, end: int) -> UploadSession:
    """Count a fully written chunk ending at byte `end` (inclusive)."""
    session = uow.intake.get_upload(upload_id)
    assert session is not None
    received = max(session.received, end + 1)
    uow.intake.update_upload(upload_id, received=received, updated_at=clock.now())
    uow.commit()
    found = uow.intake.get_upload(upload_id)
    assert found is not None
    return found


def complete_upload(
    uow: UnitOfWork,
    clock: Clock,
    store: ObjectStore,
    jobs: JobQueue,
    *,
    actor: User,
    case_id: int,
    upload_id: str,
    scratch: Path,
) -> ArtifactRecord:
    """Turn a fully received upload into an artifact (again: the same artifact)."""
    session = upload_session(uow, actor=actor, case_id=case_id, upload_id=upload_id)
    if session.status == "completed" and session.artifact_id is not None:
        art = uow.intake.get_artifact(session.artifact_id)
        assert art is not None
        return art
    if session.status != "open":
        raise Conflict(f"upload {upload_id} is {session.status}")
    if session.received != session.size:
        raise Conflict(
            f"upload {upload_id} has {session.received} of {session.size} bytes; "
            "send the rest first"
        )
    path = part_path(scratch, upload_id)
    if not path.is_file() or path.stat().st_size != session.size:
        raise Conflict(f"the bytes of upload {upload_id} are gone; start the upload again")
    spooled = Spooled(path, session.size, file_sha256(path), session.original_name)
    try:
        art = accept_upload(
            uow,
            clock,
            store,
            jobs,
            actor=actor,
            case_id=case_id,
            kind=session.kind,
            row_id=session.row_id,
            upload=spooled,
            scratch=scratch,
            upload_id=upload_id,
        )
    except UploadRejected:
        uow.intake.update_upload(upload_id, status="rejected", updated_at=clock.now())
        uow.commit()
        path.unlink(missing_ok=True)
        raise
    path.unlink(missing_ok=True)
    return art


def abort_upload(
    uow: UnitOfWork, clock: Clock, *, actor: User, case_id: int, upload_id: str, scratch: Path
) -> None:
    """Give up an open upload and free its scratch space."""
    session = upload_session(uow, actor=actor, case_id=case_id, upload_id=upload_id)
    if session.status == "open":
        uow.intake.update_upload(upload_id, status="aborted", updated_at=clock.now())
        uow.commit()
    part_path(scratch, upload_id).unlink(missing_ok=True)
