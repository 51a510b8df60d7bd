"""Open a case, with the one-issue scope check as the person types and again on submit."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from engage.domain.cases import ComponentArea, Severity
from engage.domain.errors import Conflict, NotFound, ValidationFailed
from engage.domain.scope import check_scope
from engage.domain.users import Environment, User
from engage.services.cases import DESCRIPTION_MAX, TITLE_MAX, open_case
from engage.services.orgs import list_orgs
from engage.services.ports import UnitOfWork
from engage.web.deps import EngageDep, FormDep, UowDep, UserDep
from engage.web.forms import Fields, enum_field, int_field, text_field
from engage.web.pages.case_actions import flash
from engage.web.templating import render

router = APIRouter(include_in_schema=False)


def _choices(uow: UnitOfWork, user: User) -> dict[str, Any]:
    """Organisations (support picks one) and their environments, for the form's selects."""
    orgs = list_orgs(uow, actor=user)
    envs: list[tuple[str, list[Environment]]] = [
        (o.name, uow.orgs.environments(o.id)) for o in orgs if o.id is not None
    ]
    return {
        "orgs": orgs,
        "environments": [(n, e) for n, e in envs if e],
        "severities": list(Severity),
        "areas": list(ComponentArea),
    }


def _form_page(
    request: Request,
    uow: UnitOfWork,
    user: User,
    values: dict[str, Any],
    error: str | None = None,
    status: int = 200,
) -> Response:
    context = {**_choices(uow, user), "values": values, "error": error}
    return render(request, "new_case.html", context, status)


@router.get("/cases/new")
def new_case_page(request: Request, uow: UowDep, user: UserDep) -> Response:
    """The new case form."""
    return _form_page(request, uow, user, {"severity": "P3", "area": ""})


def _values(form: Fields) -> dict[str, Any]:
    return {
        "title": text_field(form, "title", TITLE_MAX + 1),
        "description": text_field(form, "description", DESCRIPTION_MAX + 1),
        "severity": text_field(form, "severity", 10),
        "area": text_field(form, "area", 50),
        "org_id": text_field(form, "org_id", 20),
        "environment_id": text_field(form, "environment_id", 20),
    }


@router.post("/cases/new")
def create_case(
    request: Request, engage: EngageDep, uow: UowDep, user: UserDep, form: FormDep
) -> Response:
    """Open the case; when the text holds several issues, land on the split offer."""
    values = _values(form)
    try:
        case, scope = open_case(
            uow,
            engage.clock,
            actor=user,
            title=values["title"],
            description=values["description"],
            severity=enum_field(form, "severity", Severity),
            area=enum_field(form, "area", ComponentArea) if values["area"] else None,
            org_id=int_field(form, "org_id") if user.is_support else None,
            environment_id=int_field(form, "environment_id"),
            idempotency_key=text_field(form, "idempotency_key", 200) or None,
        )
    except (ValidationFailed, Conflict, NotFound) as exc:
        uow.rollback()
        return _form_page(request, uow, user, values, str(exc), 422)
    flash(request, f"Case #{case.id} opened.")
    intake = "?intake=1" if scope.verdict == "multi" else ""
    return RedirectResponse(f"/cases/{case.id}{intake}", status_code=303)


MIN_DESCRIPTION_WORDS = 5


@router.post("/cases/scope-check")
def scope_check(request: Request, user: UserDep, form: FormDep) -> Response:
    """The scope verdict for the text typed so far (an htmx partial)."""
    title = text_field(form, "title", TITLE_MAX + 1).strip()
    description = text_field(form, "description", DESCRIPTION_MAX + 1)
    # A title alone is too little to judge ("One issue, 95%" for two issues in one line):
    # wait for a few words of description before giving a verdict.
    enough = len(description.split()) >= MIN_DESCRIPTION_WORDS
    scope = check_scope(title, description) if enough else None
    return render(request, "partials/scope.html", {"scope": scope, "waiting": bool(title)})
