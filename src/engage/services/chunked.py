"""Resumable chunked uploads whose parts live in the object store, so any host takes any chunk.

A session is opened with the file's size; each chunk (``Content-Range``) is stored as its own
object ``uploads/<id>/<start>`` and counted in the session row; completing the session turns
the parts into a received artifact whose preparation job reads them in order. A session
belongs to its creator (and support); abandoned sessions expire in the clean-up job.
"""

from __future__ import annotations

import uuid
from typing import BinaryIO

from engage.domain.errors import Conflict, NotFound, ValidationFailed
from engage.domain.intake import ArtifactRecord, UploadSession
from engage.domain.users import User
from engage.services.access import visible_case
from engage.services.intake import (
    PREPARE_JOB,
    record_received,
    safe_upload_name,
    upload_target,
)
from engage.services.ports import Clock, JobQueue, ObjectStore, UnitOfWork
from engage.services.preparation import delete_incoming
from engage.services.quotas import Quotas, check_open_uploads, check_upload
from engage.services.upload_stream import UploadTooLarge

CHUNK_MAX = 64 << 20  # one PUT carries at most this many bytes


def parts_prefix(upload_id: str) -> str:
    """The object-store prefix of an upload's parts."""
    return f"uploads/{upload_id}/"


def part_key(upload_id: str, start: int) -> str:
    """The object-store key of the chunk starting at byte `start` (sorts in byte order)."""
    return f"{parts_prefix(upload_id)}{start:016d}"


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
    quotas: Quotas | None = None,
) -> UploadSession:
    """Open a resumable upload of `size` bytes; chunks then arrive with Content-Range."""
    target = upload_target(uow, clock, actor=actor, case_id=case_id, kind=kind, row_id=row_id)
    if size <= 0:
        raise ValidationFailed("size must be a positive number of bytes")
    if size > target.cap:
        raise UploadTooLarge(f"{target.kind.value} uploads are limited to {target.cap:,} bytes")
    check_open_uploads(uow, quotas or Quotas(), org_id=target.case.org_id, size=size)
    now = clock.now()
    assert actor.id is not None
    session = uow.intake.add_upload(
        id=uuid.uuid4().hex,
        case_id=case_id,
        row_id=row_id,
        kind=target.kind.value,
        original_name=safe_upload_name(name) or target.kind.value,
        size=size,
        received=0,
        status="open",
        artifact_id=None,
        created_by=actor.id,
        created_at=now,
        updated_at=now,
        store_upload="",
        parts=[],
    )
    uow.commit()
    return session


def upload_session(uow: UnitOfWork, *, actor: User, case_id: int, upload_id: str) -> UploadSession:
    """An upload session of this case that `actor` may use: its creator's, or any for support."""
    case = visible_case(uow, actor, case_id)
    session = uow.intake.get_upload(upload_id)
    if (
        session is None
        or session.case_id != case.id
        or (not actor.is_support and session.created_by != actor.id)
    ):
        raise NotFound(f"upload {upload_id} not found on case {case_id}")
    return session


def check_chunk(
    uow: UnitOfWork, *, actor: User, case_id: int, upload_id: str, start: int, end: int, total: int
) -> UploadSession:
    """Refuse a chunk that neither continues the upload nor repeats a stored chunk exactly."""
    session = upload_session(uow, actor=actor, case_id=case_id, upload_id=upload_id)
    if session.status != "open":
        raise Conflict(f"upload {upload_id} is {session.status}")
    if total != session.size or not 0 <= start <= end < total:
        raise ValidationFailed(
            f"Content-Range must lie within the {session.size} bytes "
            "announced when the upload started"
        )
    if end - start + 1 > CHUNK_MAX:
        raise ValidationFailed(f"a chunk may carry at most {CHUNK_MAX} bytes")
    repeat = [start, end] in [list(p) for p in session.parts]
    if start != session.received and not repeat:
        raise Conflict(f"upload {upload_id} has {session.received} bytes; send from there")
    return session


def store_chunk(store: ObjectStore, upload_id: str, start: int, stream: BinaryIO) -> int:
    """Put one chunk's bytes in the store; returns how many were stored."""
    return store.put(part_key(upload_id, start), stream)


def record_chunk(
    uow: UnitOfWork, clock: Clock, *, upload_id: str, start: int, end: int
) -> UploadSession:
    """Count a stored chunk of bytes start-end (inclusive)."""
    session = uow.intake.get_upload(upload_id)
    assert session is not None
    parts = [list(p) for p in session.parts]
    if [start, end] not in parts and start == session.received:
        parts.append([start, end])
        uow.intake.update_upload(upload_id, received=end + 1, parts=parts, updated_at=clock.now())
    else:
        uow.intake.update_upload(upload_id, updated_at=clock.now())
    uow.commit()
    found = uow.intake.get_upload(upload_id)
    assert found is not None
    return found


def complete_upload(
    uow: UnitOfWork,
    clock: Clock,
    jobs: JobQueue,
    *,
    actor: User,
    case_id: int,
    upload_id: str,
    quotas: Quotas | None = None,
) -> ArtifactRecord:
    """Turn a fully received upload into a received artifact (again: the same artifact)."""
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
    target = upload_target(
        uow, clock, actor=actor, case_id=case_id, kind=session.kind, row_id=session.row_id
    )
    check_upload(uow, clock, quotas or Quotas(), org_id=target.case.org_id, size=session.size)
    art = record_received(
        uow,
        clock,
        target,
        actor,
        name=session.original_name,
        size=session.size,
        incoming_key=parts_prefix(upload_id),
    )
    uow.intake.update_upload(
        upload_id, status="completed", artifact_id=art.id, updated_at=clock.now()
    )
    uow.commit()
    jobs.enqueue(PREPARE_JOB, artifact_id=art.id)
    return art  # as committed: received (the jobs may already have moved it on)


def abort_upload(
    uow: UnitOfWork, clock: Clock, store: ObjectStore, *, actor: User, case_id: int, upload_id: str
) -> None:
    """Give up an open upload and delete its parts."""
    session = upload_session(uow, actor=actor, case_id=case_id, upload_id=upload_id)
    if session.status != "open":
        return
    uow.intake.update_upload(upload_id, status="aborted", updated_at=clock.now())
    uow.commit()
    delete_incoming(store, parts_prefix(upload_id))
