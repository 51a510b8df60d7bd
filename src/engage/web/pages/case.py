"""The case page: fields, SLA clocks, links, timeline, comments and the forms that act on it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from engage.bootstrap import Engage
from engage.domain.cases import Case, CaseLink, CaseStatus, ComponentArea, LinkKind, Severity
from engage.domain.errors import NotFound
from engage.domain.scope import ScopeResult, check_scope
from engage.domain.users import User
from engage.services.access import visible_case, visible_org
from engage.services.cases import CaseView, get_case
from engage.services.ports import UnitOfWork
from engage.services.sla import live_flag
from engage.web.deps import EngageDep, UowDep, UserDep
from engage.web.templating import render
from engage.web.timeline import describe_event

router = APIRouter(include_in_schema=False)

PanelContext = Callable[[Engage, UnitOfWork, User, CaseView], dict[str, Any]]

#: Extra panels on the case page, as (template, context function); later features append
#: theirs (e.g. sessions, diagnostic requests) the way the built-in panels could be.
CASE_PANELS: list[tuple[str, PanelContext]] = []

_LINK_WORDS = {
    (LinkKind.SPLIT_FROM, True): "Split from",
    (LinkKind.SPLIT_FROM, False): "Split into",
    (LinkKind.RELATED, True): "Related to",
    (LinkKind.RELATED, False): "Related to",
    (LinkKind.DUPLICATE_OF, True): "Duplicate of",
    (LinkKind.DUPLICATE_OF, False): "Duplicated by",
}


@dataclass(frozen=True)
class LinkRow:
    """A link as the case page shows it: `Split into #12 Aggregator OOMKilled`."""

    words: str
    case_id: int
    title: str
    status: str


def link_rows(uow: UnitOfWork, actor: User, case_id: int, links: list[CaseLink]) -> list[LinkRow]:
    """Links seen from `case_id`, with the other case's title (visible ones only)."""
    rows = []
    for lk in links:
        outgoing = lk.from_case_id == case_id
        other_id = lk.to_case_id if outgoing else lk.from_case_id
        try:
            other = visible_case(uow, actor, other_id)
        except NotFound:
            continue
        rows.append(
            LinkRow(
                words=_LINK_WORDS[(LinkKind(lk.kind), outgoing)],
                case_id=other_id,
                title=other.title,
                status=CaseStatus(other.status).value,
            )
        )
    return rows


def can_split(case: Case, actor: User) -> bool:
    """Support may split any open case; customers their own while it is new (intake)."""
    return case.is_open and (actor.is_support or CaseStatus(case.status) == CaseStatus.NEW)


def split_defaults(case: Case, scope: ScopeResult) -> list[dict[str, str]]:
    """Starting values for the split form: one row per part the scope check found."""
    return [
        {
            "title": p.summary[:200],
            "area": p.area.value,
            "description": f"Split from case #{case.id} ({case.title}).\n\n{p.summary}",
        }
        for p in scope.parts
    ]


def _place(uow: UnitOfWork, view: CaseView) -> tuple[str | None, list[str]]:
    case = view.case
    env = uow.orgs.get_environment(case.environment_id) if case.environment_id else None
    instances = [
        f"{i.cluster} ({i.namespace}, {i.version or 'version unknown'})"
        for iid in view.instances
        if (i := uow.orgs.get_instance(iid)) is not None
    ]
    return (env.name if env else None), instances


def _core_context(engage: Engage, uow: UnitOfWork, actor: User, view: CaseView) -> dict[str, Any]:
    case = view.case
    assert case.id is not None
    scope = check_scope(case.title, case.description)
    environment, instances = _place(uow, view)
    return {
        "view": view,
        "case": case,
        "people": view.people,
        "org": visible_org(uow, actor, case.org_id),
        "environment": environment,
        "instances": instances,
        "flag": live_flag(case, engage.clock.now()),
        "links": link_rows(uow, actor, case.id, view.links),
        "timeline": [describe_event(e, view.people) for e in view.events],
        "staff": uow.users.support_staff() if actor.is_support else [],
        "scope": scope,
        "can_split": can_split(case, actor),
        "split_parts": split_defaults(case, scope),
        "areas": list(ComponentArea),
        "severities": list(Severity),
        "errors": {},
        "values": {},
    }


def case_context(engage: Engage, uow: UnitOfWork, actor: User, view: CaseView) -> dict[str, Any]:
    """Everything case.html needs for `view`, including registered extra panels."""
    context = _core_context(engage, uow, actor, view)
    context["panels"] = []
    for template, extra in CASE_PANELS:
        context.update(extra(engage, uow, actor, view))
        context["panels"].append(template)
    return context


def case_page(
    request: Request,
    engage: Engage,
    uow: UnitOfWork,
    actor: User,
    case_id: int,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    """Render the case page, optionally with a form's error message and the input to keep."""
    view = get_case(uow, engage.clock, actor=actor, case_id=case_id)
    context = case_context(engage, uow, actor, view)
    context["errors"] = errors or {}
    context["values"] = values or {}
    context["intake"] = offer_split(request, case_id, context)
    return render(request, "case.html", context, status)


def offer_split(request: Request, case_id: int, context: dict[str, Any]) -> bool:
    """Offer the split whenever the text looks like several issues, until the viewer says
    "Keep as one case" (remembered in their session, `?keep=1`)."""
    kept = [i for i in request.session.get("kept_whole", []) if isinstance(i, int)]
    if request.query_params.get("keep") == "1" and case_id not in kept:
        kept = [*kept[-49:], case_id]
        request.session["kept_whole"] = kept
    return bool(
        context["scope"].verdict == "multi" and context["can_split"] and case_id not in kept
    )


@router.get("/cases/{case_id:int}")
def show_case(
    case_id: int, request: Request, engage: EngageDep, uow: UowDep, user: UserDep
) -> Response:
    """One case; 404 when it does not exist or belongs to another organisation."""
    return case_page(request, engage, uow, user, case_id)


@router.get("/cases/{case_id:int}/split")
def split_form(
    case_id: int, request: Request, engage: EngageDep, uow: UowDep, user: UserDep
) -> Response:
    """The split form as a page of its own (what the dialog shows, for browsers without JS)."""
    view = get_case(uow, engage.clock, actor=user, case_id=case_id)
    return render(request, "split.html", case_context(engage, uow, user, view))
