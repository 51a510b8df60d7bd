"""The case queue: filters, full-text search, SLA badges, paging; sorted by SLA due."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from engage.domain.cases import CaseStatus, Severity
from engage.domain.errors import ValidationFailed
from engage.domain.users import User
from engage.services.cases import list_cases
from engage.services.orgs import list_orgs
from engage.services.ports import CaseQuery, UnitOfWork
from engage.services.sla import live_flag
from engage.web.deps import EngageDep, UowDep, UserDep
from engage.web.forms import Fields, enum_list, text_field
from engage.web.templating import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
MAX_PAGE = 400  # deep paging past 10,000 rows is a search problem, not a paging one


@dataclass
class QueueFilters:
    """What the queue form asks for, read from the query string."""

    statuses: list[CaseStatus] = field(default_factory=list)
    severities: list[Severity] = field(default_factory=list)
    assignee: str = ""  # "" anyone, "me", "none", or a user id
    at_risk: bool = False
    q: str = ""
    page: int = 1

    @classmethod
    def parse(cls, params: Fields) -> QueueFilters:
        """Read filters; unknown values are dropped so an old bookmark still opens."""
        page = text_field(params, "page", 10)
        assignee = text_field(params, "assignee", 20)
        return cls(
            statuses=enum_list(params, "status", CaseStatus),
            severities=enum_list(params, "severity", Severity),
            assignee=assignee if assignee in ("me", "none") or assignee.isdigit() else "",
            at_risk=params.get("at_risk") in ("on", "1", "true"),
            q=text_field(params, "q", 200).strip(),
            page=min(max(int(page), 1), MAX_PAGE) if page.isdigit() else 1,
        )

    def query(self, actor: User, now: datetime) -> CaseQuery:
        """The service query for these filters."""
        assignee_id = (
            actor.id
            if self.assignee == "me"
            else (int(self.assignee) if self.assignee.isdigit() else None)
        )
        return CaseQuery(
            statuses=tuple(self.statuses),
            severities=tuple(self.severities),
            assignee_id=assignee_id,
            unassigned=self.assignee == "none",
            at_risk_by=now if self.at_risk else None,
            text=self.q or None,
            sort="sla_due",
            limit=PAGE_SIZE,
            offset=(self.page - 1) * PAGE_SIZE,
        )

    def url(self, **change: object) -> str:
        """The queue URL for these filters with some changed (used for paging links)."""
        values = {
            "status": [s.value for s in self.statuses],
            "severity": [s.value for s in self.severities],
            "assignee": self.assignee,
            "at_risk": "on" if self.at_risk else "",
            "q": self.q,
            "page": self.page,
        }
        values.update(change)
        if values["page"] == 1:
            del values["page"]
        pairs = [
            (k, v)
            for k, vs in values.items()
            for v in (vs if isinstance(vs, list) else [vs])
            if v != ""
        ]
        return "/cases" + ("?" + urlencode(pairs) if pairs else "")


def _names(uow: UnitOfWork, actor: User) -> tuple[dict[int, str], list[User]]:
    """Organisation names (for support's org column) and support staff (assignee filter)."""
    orgs = {o.id: o.name for o in list_orgs(uow, actor=actor) if o.id is not None}
    return orgs, uow.users.support_staff()


@router.get("/cases")
def queue(request: Request, engage: EngageDep, uow: UowDep, user: UserDep) -> Response:
    """The queue page, or just its results table when htmx asks for it."""
    filters = QueueFilters.parse(request.query_params)
    now = engage.clock.now()
    error = None
    try:
        cases, total = list_cases(uow, actor=user, query=filters.query(user, now))
    except ValidationFailed as exc:
        cases, total, error = [], 0, str(exc)
    orgs, staff = _names(uow, user)
    pages = max(1, -(-min(total, 10_000) // PAGE_SIZE))
    context = {
        "filters": filters,
        "rows": [(c, live_flag(c, now)) for c in cases],
        "total": total,
        "pages": pages,
        "orgs": orgs,
        "staff": staff,
        "staff_names": {u.id: u.name for u in staff},
        "statuses": list(CaseStatus),
        "severities": list(Severity),
        "error": error,
        "now": now,
        "first": (filters.page - 1) * PAGE_SIZE + 1 if cases else 0,
        "last": (filters.page - 1) * PAGE_SIZE + len(cases),
    }
    partial = request.headers.get("HX-Request") and request.headers.get("HX-Target") == "results"
    return render(request, "partials/queue_results.html" if partial else "queue.html", context)
