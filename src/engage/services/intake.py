"""Artifact intake: accept an upload quickly, prepare and analyse it in jobs; downloads.

The upload request streams the bytes to the object store (``incoming/...``), makes the cheap
checks (size cap, kind, first bytes, the organisation's quota) and answers with the artifact
in state ``received``. Preparation (validation, unpacking, redaction, profile and database
checks) and analysis are jobs (services/preparation.py): the artifact moves
``received -> preparing -> analysing -> ready``, or to ``rejected`` with the reason.

Nothing is recorded until the bytes are in the store, and everything about one upload
(artifact, row status, events, idempotency key) commits in one transaction; if that commit
fails the stored bytes are deleted, so no object is left without a row.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from engage.diagnostics.artifacts import SIZE_LIMITS, ArtifactKind
from engage.diagnostics.sniff import sniff_upload
from engage.domain.cases import Case
from engage.domain.errors import Conflict, EngageError, NotFound, PermissionDenied, ValidationFailed
from engage.domain.intake import ArtifactRecord, RequestRow, RowStatus
from engage.domain.policy import policy_from_dict
from engage.domain.users import User
from engage.services import notify_hooks
from engage.services.access import visible_case
from engage.services.cases import record_event
from engage.services.diagnostics import case_row, kind_info, set_row_status
from engage.services.idempotency import remember_key, replay_key, request_hash
from engage.services.policy import artifact_allowed, record_audit
from engage.services.ports import Clock, JobQueue, ObjectStore, UnitOfWork
from engage.services.quotas import Quotas, check_upload
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


PREPARE_JOB = "prepare_artifact"


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


def allows_raw(uow: UnitOfWork, clock: Clock, case: Case, kind: str) -> bool:
    """May this case's upload of `kind` be stored unsanitised (policy, or break-glass)?"""
    org = uow.orgs.get(case.org_id)
    assert org is not None and case.id is not None
    policy = policy_from_dict(org.policy)
    if policy.allows_kind(kind):
        return policy.stores_raw
    return artifact_allowed(uow, clock, org_policy=org.policy, case_id=case.id, kind=kind)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def safe_upload_name(name: str | None) -> str:
    """A client-given file name reduced to a harmless base name (no folders, no control
    characters, no leading dots), at most 255 characters; "" when nothing is left. A NUL byte
    is refused outright (ValidationFailed): no file system or database keeps one."""
    if name and "\x00" in name:
        raise ValidationFailed("the file name contains a NUL byte; rename the file")
    base = os.path.basename((name or "").replace("\\", "/"))
    base = _CONTROL.sub("", base).strip().lstrip(".")
    return base[:255]


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
    quotas: Quotas | None = None,
    idempotency_key: str | None = None,
) -> ArtifactRecord:
    """Check a spooled upload cheaply, put it in the store, record it and queue preparation."""
    target = upload_target(uow, clock, actor=actor, case_id=case_id, kind=kind, row_id=row_id)
    if upload.size > target.cap:
        raise UploadTooLarge(f"{target.kind.value} uploads are limited to {target.cap:,} bytes")
    digest = request_hash([case_id, target.kind.value, row_id, upload.sha256])
    existing = replay_key(uow, actor, idempotency_key, "artifact:upload", digest)
    if existing is not None and (found := uow.intake.get_artifact(existing)) is not None:
        return found
    check_upload(uow, clock, quotas or Quotas(), org_id=target.case.org_id, size=upload.size)
    name = safe_upload_name(upload.name) or target.kind.value
    reason = sniff_upload(target.kind, upload.path, allow_raw=target.allow_raw)
    if reason is not None:
        record_rejection(
            uow, clock, target.case, target.row, actor, target.kind.value, name, reason
        )
        raise UploadRejected(reason)
    uow.rollback()  # no transaction stays open while the bytes go to the store
    # the time in the key lets the clean-up job delete bytes a killed process left unrecorded
    incoming = f"incoming/{int(clock.now().timestamp())}-{uuid.uuid4().hex}"
    with upload.path.open("rb") as fh:
        store.put(incoming, fh)
    try:
        art = record_received(
            uow, clock, target, actor, name=name, size=upload.size, incoming_key=incoming
        )
        remember_key(uow, actor, idempotency_key, "artifact:upload", digest, art.id)
        notify_hooks.upload_arrived(uow, clock, target.case, actor, art.original_name, art.kind)
        uow.commit()
    except BaseException:
        uow.rollback()
        store.delete(incoming)
        raise
    jobs.enqueue(PREPARE_JOB, artifact_id=art.id)
    return art  # as committed: received (the jobs may already have moved it on)


def record_received(
    uow: UnitOfWork,
    clock: Clock,
    target: Target,
    actor: User,
    *,
    name: str,
    size: int,
    incoming_key: str,
) -> ArtifactRecord:
    """The artifact row (state received), its event and the row moving to received."""
    case = target.case
    art = uow.intake.add_artifact(
        case_id=case.id,
        row_id=target.row.id if target.row else None,
        kind=target.kind.value,
        content_key="",
        size=size,
        original_name=name[:255],
        summary={},
        redaction={},
        status="received",
        analysis_error="",
        analyzable=False,
        uploaded_by=actor.id,
        uploaded_at=clock.now(),
        incoming_key=incoming_key,
        progress="waiting for a worker to check it",
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
    if target.row is not None and target.row.status != RowStatus.RECEIVED:
        set_row_status(uow, clock, case, target.row, RowStatus.RECEIVED, actor=actor)
    return art


def record_rejection(
    uow: UnitOfWork,
    clock: Clock,
    case: Case,
    row: RequestRow | None,
    actor: User | None,
    kind: str,
    name: str,
    reason: str,
) -> None:
    """Keep the rejection (row status and reason, or an event) and commit it."""
    if row is not None:
        fresh = uow.intake.get_row(row.id) or row
        set_row_status(
            uow, clock, case, fresh, RowStatus.REJECTED, actor=None, reason=f"{name}: {reason}"
        )
    else:
        record_event(
            uow,
            clock,
            case,
            actor,
            "artifact_rejected",
            artifact_kind=kind,
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
    if art.status in ("received", "preparing"):
        raise Conflict(f"artifact {artifact_id} is still being checked; try again shortly")
    if art.status == "rejected":
        raise ArtifactGone(f"artifact {artifact_id} was rejected: {art.analysis_error}")
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
