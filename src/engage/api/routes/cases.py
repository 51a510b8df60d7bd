"""/api/v1/cases: queue, read, open, update, transition, comment, assign, split, link."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from engage.api.deps import ActorDep, EngageDep, IdempotencyDep, IfMatchDep, UowDep, etag
from engage.api.schemas.cases import (
    CaseAssign,
    CaseCreate,
    CaseCreated,
    CaseDetail,
    CasePage,
    CaseRead,
    CaseTransition,
    CaseUpdate,
    ClockRead,
    CommentCreate,
    CommentRead,
    EventRead,
    LinkCreate,
    LinkRead,
    ScopeRead,
    SplitRequest,
    SplitResult,
)
from engage.domain.cases import Case, CaseStatus, LinkKind, Severity
from engage.services import cases as svc
from engage.services.ports import CaseQuery
from engage.services.session_people import include_case_engineers
from engage.services.sla import live_flag
from engage.services.splits import SplitPart, link_cases, split_case

router = APIRouter(prefix="/cases", tags=["cases"])


def case_read(case: Case, now: datetime) -> CaseRead:
    """The list representation, with the SLA flag as of now."""
    read = CaseRead.model_validate(case)
    read.sla_flag = live_flag(case, now)
    return read


def case_detail(view: svc.CaseView, now: datetime) -> CaseDetail:
    """The full representation of a case view."""
    base = case_read(view.case, now).model_dump()
    return CaseDetail(
        **base,
        engineer_ids=view.engineers,
        instance_ids=view.instances,
        sla=[
            ClockRead(
                kind=k.value,
                state=c.state.value,
                due_at=c.due_at,
                target_minutes=c.target_minutes,
                elapsed_minutes=round(c.elapsed_minutes, 1),
                remaining_minutes=round(c.remaining_minutes, 1),
                met_at=c.met_at,
            )
            for k, c in view.clocks.items()
        ],
        links=[LinkRead.model_validate(lk) for lk in view.links],
        sla_notes=view.sla_notes,
        allowed_transitions=[t.target for t in view.transitions],
        comments=[CommentRead.model_validate(c) for c in view.comments],
        timeline=[EventRead.model_validate(e) for e in view.events],
    )


def _detail_response(
    engage: EngageDep, uow: UowDep, actor: ActorDep, case_id: int, response: Response
) -> CaseDetail:
    view = svc.get_case(uow, engage.clock, actor=actor, case_id=case_id)
    assert view.case.id is not None
    response.headers["ETag"] = etag(view.case.id, view.case.version)
    return case_detail(view, engage.clock.now())


@router.get("", response_model=CasePage)
def list_cases(
    engage: EngageDep,
    uow: UowDep,
    actor: ActorDep,
    request: Request,
    status_: Annotated[list[CaseStatus] | None, Query(alias="status")] = None,
    severity: Annotated[list[Severity] | None, Query()] = None,
    assignee_id: int | None = None,
    unassigned: bool = False,
    at_risk: Annotated[bool, Query(description="SLA at risk or breached now")] = False,
    q: Annotated[str | None, Query(max_length=200, description="full-text search")] = None,
    org_id: int | None = None,
    sort: Annotated[
        str, Query(pattern="^(sla_due|created|-created|-updated|severity)$")
    ] = "sla_due",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> CasePage:
    """A queue page, filtered and sorted (by SLA due by default)."""
    now = engage.clock.now()
    query = CaseQuery(
        org_ids=(org_id,) if org_id is not None else None,
        statuses=tuple(status_ or ()),
        severities=tuple(severity or ()),
        assignee_id=assignee_id,
        unassigned=unassigned,
        at_risk_by=now if at_risk else None,
        text=q or None,
        sort=sort,
        limit=limit,
        offset=offset,
    )
    items, total = svc.list_cases(uow, actor=actor, query=query)
    nxt = (
        str(request.url.include_query_params(offset=offset + limit))
        if offset + limit < total
        else None
    )
    return CasePage(
        items=[case_read(c, now) for c in items],
        total=min(total, 10_000),
        total_is_capped=total > 10_000,
        limit=limit,
        offset=offset,
        links={"next": nxt},
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CaseCreated)
def open_case(
    body: CaseCreate,
    engage: EngageDep,
    uow: UowDep,
    actor: ActorDep,
    response: Response,
    key: IdempotencyDep,
) -> CaseCreated:
    """Open a case; the response carries the one-issue scope check."""
    case, scope = svc.open_case(
        uow,
        engage.clock,
        actor=actor,
        title=body.title,
        description=body.description,
        severity=body.severity,
        area=body.area,
        org_id=body.org_id,
        environment_id=body.environment_id,
        instance_ids=body.instance_ids,
        idempotency_key=key,
    )
    assert case.id is not None
    response.headers["Location"] = f"/api/v1/cases/{case.id}"
    detail = _detail_response(engage, uow, actor, case.id, response)
    return CaseCreated(case=detail, scope=ScopeRead.model_validate(scope.to_dict()))


@router.get("/{case_id}", response_model=CaseDetail)
def get_case(
    case_id: int, engage: EngageDep, uow: UowDep, actor: ActorDep, response: Response
) -> CaseDetail:
    """One case with its SLA clocks, links, comments and timeline."""
    return _detail_response(engage, uow, actor, case_id, response)


@router.patch("/{case_id}", response_model=CaseDetail)
def update_case(
    case_id: int,
    body: CaseUpdate,
    engage: EngageDep,
    uow: UowDep,
    actor: ActorDep,
    response: Response,
    version: IfMatchDep,
) -> CaseDetail:
    """Change fields; send If-Match with the ETag you read to avoid lost updates."""
    svc.update_case(
        uow,
        engage.clock,
        actor=actor,
        case_id=case_id,
        expected_version=version,
        changes=body.model_dump(exclude_unset=True),
    )
    return _detail_response(engage, uow, actor, case_id, response)


@router.post("/{case_id}/transition", response_model=CaseDetail)
def transition(
    case_id: int,
    body: CaseTransition,
    engage: EngageDep,
    uow: UowDep,
    actor: ActorDep,
    response: Response,
    version: IfMatchDep,
) -> CaseDetail:
    """Move the case along its workflow; 409 names the allowed moves."""
    svc.transition_case(
        uow, engage.clock, actor=actor, case_id=case_id, to=body.to, expected_version=version
    )
    return _detail_response(engage, uow, actor, case_id, response)


@router.post("/{case_id}/comments", status_code=201, response_model=CommentRead)
def comment(
    case_id: int,
    body: CommentCreate,
    engage: EngageDep,
    uow: UowDep,
    actor: ActorDep,
    key: IdempotencyDep,
) -> CommentRead:
    """A public reply, or an internal note (support only)."""
    c = svc.comment_on_case(
        uow,
        engage.clock,
        actor=actor,
        case_id=case_id,
        body=body.body,
        internal=body.internal,
        idempotency_key=key,
    )
    return CommentRead.model_validate(c)


@router.get("/{case_id}/comments", response_model=list[CommentRead])
def comments(case_id: int, engage: EngageDep, uow: UowDep, actor: ActorDep) -> list[CommentRead]:
    """Comments the actor may see, oldest first."""
    view = svc.get_case(uow, engage.clock, actor=actor, case_id=case_id)
    return [CommentRead.model_validate(c) for c in view.comments]


@router.post("/{case_id}/assign", response_model=CaseDetail)
def assign(
    case_id: int,
    body: CaseAssign,
    engage: EngageDep,
    uow: UowDep,
    actor: ActorDep,
    response: Response,
    version: IfMatchDep,
) -> CaseDetail:
    """Set the assignee and additional engineers (support only); they join open sessions."""
    svc.assign_case(
        uow,
        engage.clock,
        actor=actor,
        case_id=case_id,
        assignee_id=body.assignee_id,
        engineer_ids=body.engineer_ids,
        expected_version=version,
    )
    from engage.api.routes.sessions import install_tools  # the container's session tools

    include_case_engineers(uow, engage.clock, install_tools(engage), actor=actor, case_id=case_id)
    return _detail_response(engage, uow, actor, case_id, response)


@router.post("/{case_id}/split", status_code=201, response_model=SplitResult)
def split(
    case_id: int,
    body: SplitRequest,
    engage: EngageDep,
    uow: UowDep,
    actor: ActorDep,
    key: IdempotencyDep,
) -> SplitResult:
    """Move parts of a case into new linked cases, each with its own clocks."""
    parts = [
        SplitPart(
            title=p.title,
            description=p.description,
            area=p.area,
            severity=p.severity,
            assignee_id=p.assignee_id,
        )
        for p in body.parts
    ]
    created = split_case(
        uow, engage.clock, actor=actor, case_id=case_id, parts=parts, idempotency_key=key
    )
    now = engage.clock.now()
    return SplitResult(created=[case_read(c, now) for c in created])


@router.post("/{case_id}/links", status_code=201, response_model=LinkRead)
def link(
    case_id: int, body: LinkCreate, engage: EngageDep, uow: UowDep, actor: ActorDep
) -> LinkRead:
    """Link this case to another of the same organisation."""
    lk = link_cases(
        uow,
        engage.clock,
        actor=actor,
        case_id=case_id,
        other_id=body.other_case_id,
        kind=LinkKind(body.kind),
    )
    return LinkRead.model_validate(lk)


@router.get("/{case_id}/timeline", response_model=list[EventRead])
def timeline(case_id: int, engage: EngageDep, uow: UowDep, actor: ActorDep) -> list[EventRead]:
    """Every event of the case the actor may see, oldest first."""
    view = svc.get_case(uow, engage.clock, actor=actor, case_id=case_id)
    return [EventRead.model_validate(e) for e in view.events]
