"""/api/v1 diagnostic requests: catalogue, create, list with completeness, waive/reject."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import PlainTextResponse

from engage.api.deps import ActorDep, EngageDep, IdempotencyDep, UowDep
from engage.api.schemas.diagnostics import (
    CompletenessRead,
    DiagnosticsRead,
    KindRead,
    RequestCreate,
    RequestRead,
    RowDecision,
    RowRead,
)
from engage.bootstrap import Engage
from engage.domain.users import User
from engage.services import diagnostics as svc
from engage.services import instructions as instructions_svc
from engage.services.intake import size_cap
from engage.services.ports import UnitOfWork

router = APIRouter(tags=["diagnostics"])


@router.get("/diagnostics/kinds", response_model=list[KindRead])
def kinds(
    engage: EngageDep, uow: UowDep, actor: ActorDep, case_id: int | None = None
) -> list[KindRead]:
    """The artifact kinds support can request (on `case_id`: those its org's policy allows)."""
    catalogue = (
        svc.CATALOGUE
        if case_id is None
        else svc.allowed_catalogue(uow, engage.clock, actor=actor, case_id=case_id)
    )
    return [
        KindRead(
            kind=k.kind.value, title=k.title, expand=k.expand, size_limit=size_cap(k.kind.value)
        )
        for k in catalogue
    ]


def diagnostics_read(engage: Engage, uow: UnitOfWork, actor: User, case_id: int) -> DiagnosticsRead:
    """A case's requests with rows, instructions and completeness."""
    view = svc.view_diagnostics(uow, actor=actor, case_id=case_id)
    requests = [
        RequestRead(
            **{
                k: getattr(rv.request, k)
                for k in (
                    "id",
                    "case_id",
                    "kind",
                    "label",
                    "note",
                    "due_at",
                    "expand",
                    "created_by",
                    "created_at",
                )
            },
            title=rv.title,
            rows=[RowRead.model_validate(r) for r in rv.rows],
            instructions=instructions_svc.instructions(
                uow,
                actor=actor,
                case_id=case_id,
                kind=rv.request.kind,
                server_url=engage.settings.base_url,
                label=rv.request.label,
                note=rv.request.note,
            ),
        )
        for rv in view.requests
    ]
    c = view.completeness
    return DiagnosticsRead(
        requests=requests,
        completeness=CompletenessRead(
            done=c.done,
            total=c.total,
            text=c.text,
            missing=[RowRead.model_validate(r) for r in c.missing],
        ),
    )


@router.post(
    "/cases/{case_id}/diagnostic-requests",
    status_code=status.HTTP_201_CREATED,
    response_model=RequestRead,
)
def create_request(
    case_id: int,
    body: RequestCreate,
    engage: EngageDep,
    uow: UowDep,
    actor: ActorDep,
    response: Response,
    key: IdempotencyDep,
) -> RequestRead:
    """Ask the customer for diagnostics (support only); the case waits on the customer."""
    req = svc.request_diagnostics(
        uow,
        engage.clock,
        actor=actor,
        case_id=case_id,
        kind=body.kind,
        expand=body.expand,
        environment_ids=body.environment_ids,
        instance_ids=body.instance_ids,
        label=body.label,
        note=body.note,
        due_at=body.due_at,
        idempotency_key=key,
    )
    response.headers["Location"] = f"/api/v1/cases/{case_id}/diagnostic-requests"
    found = diagnostics_read(engage, uow, actor, case_id)
    return next(r for r in found.requests if r.id == req.id)


@router.get("/cases/{case_id}/diagnostic-requests", response_model=DiagnosticsRead)
def list_requests(case_id: int, engage: EngageDep, uow: UowDep, actor: ActorDep) -> DiagnosticsRead:
    """Requests, rows and completeness ("5 of 7"); `missing` is what the customer owes."""
    return diagnostics_read(engage, uow, actor, case_id)


class MarkdownResponse(PlainTextResponse):
    """A Markdown document (documented as text/markdown in the OpenAPI schema)."""

    media_type = "text/markdown"


@router.get("/cases/{case_id}/instructions", response_class=MarkdownResponse)
def instructions(
    case_id: int,
    engage: EngageDep,
    uow: UowDep,
    actor: ActorDep,
    kind: Annotated[str, Query(max_length=32)],
    row_id: int | None = None,
) -> PlainTextResponse:
    """How to provide `kind` for this case (Markdown), with its clusters and commands."""
    text = instructions_svc.instructions(
        uow,
        actor=actor,
        case_id=case_id,
        kind=kind,
        row_id=row_id,
        server_url=engage.settings.base_url,
    )
    return MarkdownResponse(text)


@router.post("/cases/{case_id}/diagnostic-rows/{row_id}/waive", response_model=RowRead)
def waive(
    case_id: int, row_id: int, body: RowDecision, engage: EngageDep, uow: UowDep, actor: ActorDep
) -> RowRead:
    """Support no longer needs this item (reason required)."""
    return RowRead.model_validate(
        svc.waive_row(
            uow, engage.clock, actor=actor, case_id=case_id, row_id=row_id, reason=body.reason
        )
    )


@router.post("/cases/{case_id}/diagnostic-rows/{row_id}/reject", response_model=RowRead)
def reject(
    case_id: int, row_id: int, body: RowDecision, engage: EngageDep, uow: UowDep, actor: ActorDep
) -> RowRead:
    """What arrived will not do; the customer is asked again with the reason."""
    return RowRead.model_validate(
        svc.reject_row(
            uow, engage.clock, actor=actor, case_id=case_id, row_id=row_id, reason=body.reason
        )
    )


@router.post("/cases/{case_id}/diagnostic-rows/{row_id}/validate", response_model=RowRead)
def validate(case_id: int, row_id: int, engage: EngageDep, uow: UowDep, actor: ActorDep) -> RowRead:
    """Accept a received item engage cannot check itself (screenshot, other)."""
    return RowRead.model_validate(
        svc.validate_row(uow, engage.clock, actor=actor, case_id=case_id, row_id=row_id)
    )
