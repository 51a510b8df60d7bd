"""/api/v1 artifacts: streaming upload, resumable chunked upload, list with findings, download.

Uploads never pass through FastAPI's form parsing: the body is read with ``request.stream()``
into a scratch file, with the kind's size cap enforced as bytes arrive, then put in the object
store. The response comes at once with the artifact ``received``; preparation and analysis are
jobs. Database work runs in the thread pool and no transaction is open while bytes move.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Header, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from engage.api.deps import ActorDep, EngageDep, IdempotencyDep, UowDep
from engage.api.schemas.diagnostics import (
    ArtifactRead,
    ArtifactsRead,
    FindingRead,
    UploadCreate,
    UploadRead,
)
from engage.bootstrap import Engage
from engage.domain.errors import ValidationFailed
from engage.domain.intake import ArtifactRecord, UploadSession
from engage.services import chunked, intake
from engage.services.access import visible_case
from engage.services.upload_stream import (
    Spooled,
    UploadIncomplete,
    parse_content_range,
    receive_multipart,
    receive_raw,
)

router = APIRouter(tags=["artifacts"])
SEVERITY_ORDER = {"critical": 0, "error": 1, "warning": 2, "info": 3}


def artifact_read(art: ArtifactRecord) -> ArtifactRead:
    """The API shape of an artifact, with its download link while it exists."""
    read = ArtifactRead.model_validate(art)
    if (
        art.deleted_at is None
        and art.content_key
        and art.status in ("analysing", "ready", "failed")
    ):
        read.download_url = f"/api/v1/cases/{art.case_id}/artifacts/{art.id}/download"
    return read


def upload_read(session: UploadSession) -> UploadRead:
    """The API shape of an upload session."""
    return UploadRead.model_validate({**session.__dict__, "chunk_size": chunked.CHUNK_MAX})


def _scratch(engage: Engage) -> Any:
    return engage.settings.data_dir / "scratch"


def _row(value: str | None) -> int | None:
    if value is None or not value.strip():
        return None
    if not value.strip().isdigit():
        raise ValidationFailed("request (the request row id) must be a number")
    return int(value)


async def _spool(request: Request, engage: Engage, kind: str | None) -> Spooled:
    ctype = request.headers.get("content-type", "")
    scratch = _scratch(engage)
    try:
        if ctype.startswith("multipart/form-data"):
            return await receive_multipart(
                request.stream(),
                ctype,
                scratch,
                lambda fields: intake.size_cap(kind or fields.get("kind")),
            )
        if ctype.split(";")[0].strip() in ("application/octet-stream", ""):
            length = request.headers.get("content-length")
            return await receive_raw(
                request.stream(),
                scratch,
                intake.size_cap(kind),
                expected=int(length) if length and length.isdigit() else None,
            )
    except ClientDisconnect:
        raise UploadIncomplete("the connection closed before the upload was complete") from None
    raise ValidationFailed(
        "send multipart/form-data (fields file and kind) or application/octet-stream with ?kind="
    )


@router.post(
    "/cases/{case_id}/artifacts", status_code=status.HTTP_201_CREATED, response_model=ArtifactRead
)
async def upload(
    case_id: int,
    request: Request,
    response: Response,
    engage: EngageDep,
    uow: UowDep,
    actor: ActorDep,
    key: IdempotencyDep,
    kind: Annotated[str | None, Query(max_length=32)] = None,
    row: Annotated[str | None, Query(alias="request")] = None,
    name: Annotated[str | None, Query(max_length=255)] = None,
) -> ArtifactRead:
    """Upload one artifact: multipart (`file`, `kind`, optional `request`) or a raw body."""
    row_id = _row(row)
    if kind is not None:
        await run_in_threadpool(
            intake.upload_target,
            uow,
            engage.clock,
            actor=actor,
            case_id=case_id,
            kind=kind,
            row_id=row_id,
        )
    else:
        await run_in_threadpool(visible_case, uow, actor, case_id)
    await run_in_threadpool(uow.rollback)  # no transaction stays open while bytes arrive
    spooled = await _spool(request, engage, kind)
    try:
        kind = kind or spooled.fields.get("kind")
        if not kind:
            raise ValidationFailed("say what the file is: the kind field or ?kind=")
        row_id = row_id if row_id is not None else _row(spooled.fields.get("request"))
        spooled.name = intake.safe_upload_name(name or spooled.name)
        art = await run_in_threadpool(
            intake.accept_upload,
            uow,
            engage.clock,
            engage.store,
            engage.jobs,
            actor=actor,
            case_id=case_id,
            kind=kind,
            row_id=row_id,
            upload=spooled,
            quotas=engage.quotas(),
            idempotency_key=key,
        )
    finally:
        spooled.discard()
    response.headers["Location"] = f"/api/v1/cases/{case_id}/artifacts/{art.id}"
    return artifact_read(art)


@router.get("/cases/{case_id}/artifacts", response_model=ArtifactsRead)
def list_artifacts(case_id: int, uow: UowDep, actor: ActorDep) -> ArtifactsRead:
    """The case's artifacts (deleted ones keep their record) and their findings."""
    visible_case(uow, actor, case_id)
    findings = sorted(
        uow.intake.findings(case_id),
        key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), f.artifact_id, f.id),
    )
    return ArtifactsRead(
        artifacts=[artifact_read(a) for a in uow.intake.artifacts(case_id)],
        findings=[FindingRead.model_validate(f) for f in findings],
    )


@router.get("/cases/{case_id}/artifacts/{artifact_id}", response_model=ArtifactRead)
def get_artifact(case_id: int, artifact_id: int, uow: UowDep, actor: ActorDep) -> ArtifactRead:
    """One artifact's record."""
    case = visible_case(uow, actor, case_id)
    return artifact_read(intake.case_artifact(uow, case, artifact_id))


@router.get("/cases/{case_id}/artifacts/{artifact_id}/download")
def download(
    case_id: int, artifact_id: int, engage: EngageDep, uow: UowDep, actor: ActorDep
) -> StreamingResponse:
    """The sanitised file; every download is recorded on the case's audit trail."""
    art, handle = intake.open_download(
        uow, engage.clock, engage.store, actor=actor, case_id=case_id, artifact_id=artifact_id
    )
    filename = art.original_name or f"artifact-{art.id}"
    disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
    return StreamingResponse(
        intake.stream_chunks(handle),
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": disposition,
            "Content-Length": str(art.size),
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post(
    "/cases/{case_id}/artifacts/uploads",
    status_code=status.HTTP_201_CREATED,
    response_model=UploadRead,
)
def start_upload(
    case_id: int,
    body: UploadCreate,
    engage: EngageDep,
    uow: UowDep,
    actor: ActorDep,
    response: Response,
) -> UploadRead:
    """Start a resumable upload; then PUT chunks with Content-Range, then complete it."""
    session = chunked.start_upload(
        uow,
        engage.clock,
        actor=actor,
        case_id=case_id,
        kind=body.kind,
        size=body.size,
        name=body.name,
        row_id=body.row_id,
        quotas=engage.quotas(),
    )
    response.headers["Location"] = f"/api/v1/cases/{case_id}/artifacts/uploads/{session.id}"
    return upload_read(session)


@router.get("/cases/{case_id}/artifacts/uploads/{upload_id}", response_model=UploadRead)
def upload_status(case_id: int, upload_id: str, uow: UowDep, actor: ActorDep) -> UploadRead:
    """How many bytes arrived: resume from `received`."""
    return upload_read(
        chunked.upload_session(uow, actor=actor, case_id=case_id, upload_id=upload_id)
    )


@router.put("/cases/{case_id}/artifacts/uploads/{upload_id}", response_model=UploadRead)
async def put_chunk(
    case_id: int,
    upload_id: str,
    request: Request,
    engage: EngageDep,
    uow: UowDep,
    actor: ActorDep,
    content_range: Annotated[str | None, Header()] = None,
) -> UploadRead:
    """One chunk: `Content-Range: bytes START-END/TOTAL`, from what was received (or a repeat
    of a stored chunk); it is stored in the object store, so any web process may take it."""
    await run_in_threadpool(
        chunked.upload_session, uow, actor=actor, case_id=case_id, upload_id=upload_id
    )
    start, end, total = parse_content_range(content_range)
    await run_in_threadpool(
        chunked.check_chunk,
        uow,
        actor=actor,
        case_id=case_id,
        upload_id=upload_id,
        start=start,
        end=end,
        total=total,
    )
    await run_in_threadpool(uow.rollback)
    length = end - start + 1
    try:
        spooled = await receive_raw(request.stream(), _scratch(engage), length, expected=length)
    except ClientDisconnect:
        raise UploadIncomplete("the connection closed before the chunk was complete") from None
    try:
        with spooled.path.open("rb") as fh:
            await run_in_threadpool(chunked.store_chunk, engage.store, upload_id, start, fh)
    finally:
        spooled.discard()
    session = await run_in_threadpool(
        chunked.record_chunk, uow, engage.clock, upload_id=upload_id, start=start, end=end
    )
    return upload_read(session)


@router.post(
    "/cases/{case_id}/artifacts/uploads/{upload_id}/complete",
    status_code=status.HTTP_201_CREATED,
    response_model=ArtifactRead,
)
def complete(
    case_id: int, upload_id: str, engage: EngageDep, uow: UowDep, actor: ActorDep
) -> ArtifactRead:
    """Hand the assembled parts to preparation (repeating it returns the same artifact)."""
    art = chunked.complete_upload(
        uow,
        engage.clock,
        engage.jobs,
        actor=actor,
        case_id=case_id,
        upload_id=upload_id,
        quotas=engage.quotas(),
    )
    return artifact_read(art)


@router.delete(
    "/cases/{case_id}/artifacts/uploads/{upload_id}", status_code=status.HTTP_204_NO_CONTENT
)
def abort(
    case_id: int, upload_id: str, engage: EngageDep, uow: UowDep, actor: ActorDep
) -> Response:
    """Give up an upload and free its space."""
    chunked.abort_upload(
        uow, engage.clock, engage.store, actor=actor, case_id=case_id, upload_id=upload_id
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
