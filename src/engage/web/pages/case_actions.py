"""What the case page's forms post to: comment, transition, assign, edit, split.

Each action redirects back to the case on success (post/redirect/get). A rule the service
enforces (invalid input, an illegal transition, a stale version) re-renders the case page with
the message next to the form that failed and the person's input kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from engage.bootstrap import Engage
from engage.domain.cases import CaseStatus, ComponentArea, Severity
from engage.domain.errors import Conflict, InvalidTransition, StaleVersion, ValidationFailed
from engage.domain.users import User
from engage.services.cases import (
    COMMENT_MAX,
    DESCRIPTION_MAX,
    TITLE_MAX,
    assign_case,
    comment_on_case,
    transition_case,
    update_case,
)
from engage.services.ports import UnitOfWork
from engage.services.session_people import include_case_engineers
from engage.services.splits import MAX_PARTS, SplitPart, split_case
from engage.web.deps import EngageDep, FormDep, UowDep, UserDep
from engage.web.forms import Fields, checkbox, enum_field, int_field, int_list, text_field
from engage.web.pages.case import case_page
from engage.web.pages.sessions import tools
from engage.web.templating import label

router = APIRouter(include_in_schema=False)

STALE = (
    "Someone changed this case after you opened it. Reload the page to see their "
    "changes, then make yours again."
)
_SHOWN = (ValidationFailed, InvalidTransition, Conflict)


def flash(request: Request, message: str) -> None:
    """A one-time notice shown on the next page."""
    request.session["flash"] = message


def _act(
    request: Request,
    engage: Engage,
    uow: UnitOfWork,
    user: User,
    case_id: int,
    form_name: str,
    action: Callable[[], Any],
    values: dict[str, Any],
    anchor: str,
    done: str | Callable[[Any], str] = "",
) -> Response:
    """Run `action`; on success say what it did (`done`, or `done(result)`) on the next page."""
    try:
        result = action()
    except StaleVersion:
        uow.rollback()
        return case_page(
            request,
            engage,
            uow,
            user,
            case_id,
            errors={form_name: STALE},
            values=values,
            status=409,
        )
    except _SHOWN as exc:
        uow.rollback()
        return case_page(
            request,
            engage,
            uow,
            user,
            case_id,
            errors={form_name: str(exc)},
            values=values,
            status=exc.status,
        )
    message = done(result) if callable(done) else done
    if message:
        flash(request, message)
    return RedirectResponse(f"/cases/{case_id}#{anchor}", status_code=303)


def _key(form: Fields) -> str | None:
    """The form's one-time token, so a double-clicked submit creates one thing, not two."""
    return text_field(form, "idempotency_key", 200) or None


@router.post("/cases/{case_id:int}/comment")
def comment(
    case_id: int, request: Request, engage: EngageDep, uow: UowDep, user: UserDep, form: FormDep
) -> Response:
    """Add a public reply, or an internal note (support)."""
    body = text_field(form, "body", COMMENT_MAX + 1)
    internal = checkbox(form, "internal")
    return _act(
        request,
        engage,
        uow,
        user,
        case_id,
        "comment",
        lambda: comment_on_case(
            uow,
            engage.clock,
            actor=user,
            case_id=case_id,
            body=body,
            internal=internal,
            idempotency_key=_key(form),
        ),
        {"body": body, "internal": internal},
        "comments",
        "Internal note added (only support sees it)." if internal else "Comment added.",
    )


@router.post("/cases/{case_id:int}/transition")
def transition(
    case_id: int, request: Request, engage: EngageDep, uow: UowDep, user: UserDep, form: FormDep
) -> Response:
    """Move the case to another status."""

    def act() -> object:
        target = enum_field(form, "to", CaseStatus)
        return transition_case(
            uow,
            engage.clock,
            actor=user,
            case_id=case_id,
            to=target,
            expected_version=int_field(form, "version"),
        )

    return _act(
        request,
        engage,
        uow,
        user,
        case_id,
        "transition",
        act,
        {},
        "status",
        lambda case: f"Case moved to {label(case.status).lower()}.",
    )


@router.post("/cases/{case_id:int}/assign")
def assign(
    case_id: int, request: Request, engage: EngageDep, uow: UowDep, user: UserDep, form: FormDep
) -> Response:
    """Set the assignee and the additional engineers (support)."""

    def act() -> object:
        case = assign_case(
            uow,
            engage.clock,
            actor=user,
            case_id=case_id,
            assignee_id=int_field(form, "assignee"),
            engineer_ids=int_list(form, "engineers"),
            expected_version=int_field(form, "version"),
        )
        include_case_engineers(uow, engage.clock, tools(engage), actor=user, case_id=case_id)
        return case

    return _act(
        request, engage, uow, user, case_id, "assign", act, {}, "assignment", _assigned_words(uow)
    )


@router.post("/cases/{case_id:int}/edit")
def edit(
    case_id: int, request: Request, engage: EngageDep, uow: UowDep, user: UserDep, form: FormDep
) -> Response:
    """Change the title and description (support also severity and area), If-Match style."""
    values: dict[str, Any] = {
        "title": text_field(form, "title", TITLE_MAX + 1),
        "description": text_field(form, "description", DESCRIPTION_MAX + 1),
        "version": int_field(form, "version"),
    }

    def act() -> None:
        changes = {k: v for k, v in values.items() if k != "version"}
        if user.is_support:
            changes["severity"] = enum_field(form, "severity", Severity)
            changes["area"] = enum_field(form, "area", ComponentArea)
        update_case(
            uow,
            engage.clock,
            actor=user,
            case_id=case_id,
            expected_version=values["version"],
            changes=changes,
        )

    return _act(request, engage, uow, user, case_id, "edit", act, values, "edit", "Changes saved.")


def _assigned_words(uow: UnitOfWork) -> Callable[[Any], str]:
    """`Assignment saved: Sam Support, with Erin Engineer (they join the case's sessions).`"""

    def words(case: Any) -> str:
        def name(uid: int | None) -> str:
            user = uow.users.get(uid) if uid is not None else None
            return user.name if user else "nobody"

        engineers = [name(uid) for uid in uow.cases.engineers(case.id)] if case else []
        text = f"Assignment saved: {name(getattr(case, 'assignee_id', None))}"
        if engineers:
            text += ", with " + ", ".join(engineers) + " (added to the case's open sessions)"
        return text + "."

    return words


def split_parts(form: Fields) -> list[SplitPart]:
    """The parts ticked in the split form (fields part-N-include/title/area/description)."""
    parts = []
    for i in range(MAX_PARTS):
        if not checkbox(form, f"part-{i}-include"):
            continue
        parts.append(
            SplitPart(
                title=text_field(form, f"part-{i}-title", TITLE_MAX + 1),
                description=text_field(form, f"part-{i}-description", DESCRIPTION_MAX + 1),
                area=enum_field(form, f"part-{i}-area", ComponentArea),
            )
        )
    if not parts:
        raise ValidationFailed("tick at least one part to split out")
    return parts


@router.post("/cases/{case_id:int}/split")
def split(
    case_id: int, request: Request, engage: EngageDep, uow: UowDep, user: UserDep, form: FormDep
) -> Response:
    """Create one linked case per ticked part."""

    def act() -> None:
        created = split_case(
            uow,
            engage.clock,
            actor=user,
            case_id=case_id,
            parts=split_parts(form),
            idempotency_key=_key(form),
        )
        flash(request, "Split into " + ", ".join(f"case #{c.id}" for c in created) + ".")

    return _act(request, engage, uow, user, case_id, "split", act, {}, "links")
