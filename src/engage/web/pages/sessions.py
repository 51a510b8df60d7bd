"""The Sessions section of a case: plan, propose, pick a time, join, agenda, disengage, cancel.

`GET /cases/{id}/sessions` shows the section as a page of its own; `sessions/section.html`
is written so the case page can include it too (given `session_context`). Every form posts
to a route here and is answered with a redirect back (post/redirect/get); a rule the service
enforces re-renders the page with the message next to the session it concerns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from engage.bootstrap import Engage
from engage.domain import sessions as rules
from engage.domain.errors import Conflict, InvalidTransition, ValidationFailed
from engage.domain.meetings import SCREEN_SHARING_NOTE, MeetingTool
from engage.domain.session_records import SessionRecord
from engage.domain.sessions import AgendaTask, SessionStatus, TaskState
from engage.domain.users import User
from engage.services import sessions as svc
from engage.services.access import visible_case
from engage.services.availability import SlotSearch
from engage.services.cases import CaseView
from engage.services.ports import UnitOfWork
from engage.services.session_files import session_invite_file
from engage.web.deps import EngageDep, FormDep, UowDep, UserDep
from engage.web.forms import Fields, checkbox, enum_field, int_field, text_field
from engage.web.pages.case import CASE_PANELS
from engage.web.templating import render, zone

router = APIRouter(include_in_schema=False)
BASE = "/cases/{case_id:int}/sessions"
ONE = BASE + "/{session_id:int}"
_SHOWN = (ValidationFailed, InvalidTransition, Conflict)


def tools(engage: Engage) -> svc.SessionTools:
    """The session tools the API installed in the container (none when run without it)."""
    found = engage.extras.get("session_tools")
    return found if isinstance(found, svc.SessionTools) else svc.SessionTools()


@dataclass(frozen=True)
class SessionCard:
    """One session as the viewer sees it, with what they may do to it."""

    record: SessionRecord
    me: rules.Participant | None
    tickable: frozenset[str]
    may_disengage: bool
    not_ready: list[str]

    @property
    def session(self) -> rules.Session:
        """The domain session."""
        return self.record.session


def _card(record: SessionRecord, viewer: User) -> SessionCard:
    s = record.session
    me = next((p for p in s.participants if p.email.lower() == viewer.email.lower()), None)
    open_agenda = s.status in {
        SessionStatus.PROPOSED,
        SessionStatus.BOOKED,
        SessionStatus.IN_PROGRESS,
    }
    mine: Callable[[AgendaTask], bool] = lambda t: t.owner.lower() == viewer.email.lower()  # noqa: E731
    tickable = frozenset(t.id for t in s.agenda if open_agenda and (viewer.is_support or mine(t)))
    return SessionCard(
        record=record,
        me=me,
        tickable=tickable,
        may_disengage=rules.may_disengage(s),
        not_ready=rules.not_ready(s),
    )


def session_context(uow: UnitOfWork, viewer: User, case_id: int) -> dict[str, Any]:
    """What sessions/section.html needs for a case."""
    case = visible_case(uow, viewer, case_id)
    records = svc.list_sessions(uow, actor=viewer, case_id=case_id)
    staff = uow.users.support_staff() if viewer.is_support else []
    return {
        "case": case,
        "cards": [_card(r, viewer) for r in records],
        "staff": staff,
        "screen_sharing_note": SCREEN_SHARING_NOTE,
        "tools": list(MeetingTool),
        "user_email": viewer.email,
        "today": datetime.now(zone(viewer.tz)).date(),
    }


def sessions_page(
    request: Request,
    uow: UnitOfWork,
    viewer: User,
    case_id: int,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """Render the sessions page, with a failed form's message keyed by session id."""
    context = session_context(uow, viewer, case_id)
    context["errors"] = errors or {}
    return render(request, "sessions/page.html", context, status)


def _act(
    request: Request,
    uow: UnitOfWork,
    user: User,
    case_id: int,
    key: str,
    action: Callable[[], object],
    anchor: str = "sessions",
) -> Response:
    try:
        action()
    except _SHOWN as exc:
        uow.rollback()
        return sessions_page(request, uow, user, case_id, errors={key: str(exc)}, status=exc.status)
    return RedirectResponse(f"/cases/{case_id}/sessions#{anchor}", status_code=303)


@router.get(BASE)
def show(case_id: int, request: Request, uow: UowDep, user: UserDep) -> Response:
    """The case's sessions; 404 for other organisations' cases."""
    return sessions_page(request, uow, user, case_id)


@router.post(BASE)
def create(
    case_id: int, request: Request, engage: EngageDep, uow: UowDep, user: UserDep, form: FormDep
) -> Response:
    """Plan a session (support)."""

    def act() -> None:
        svc.create_session(
            uow,
            engage.clock,
            tools(engage),
            actor=user,
            case_id=case_id,
            topic=text_field(form, "topic", 201),
            duration_minutes=int_field(form, "duration") or 60,
            tool=enum_field(form, "tool", MeetingTool) if form.get("tool") else None,
            custom_url=text_field(form, "custom_url", 2000).strip() or None,
        )

    return _act(request, uow, user, case_id, "new", act)


def _search(form: Fields, tz: str) -> SlotSearch:
    """The propose form: first local day, how many days, step and count."""
    raw = text_field(form, "from", 10)
    try:
        first = date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed("pick the first day to search from") from None
    days = int_field(form, "days") or 7
    if not 1 <= days <= 62:
        raise ValidationFailed("search 1-62 days")
    start = datetime.combine(first, time(0), tzinfo=zone(tz))
    return SlotSearch(
        window_start=start,
        window_end=start + timedelta(days=days),
        step_minutes=int_field(form, "step") or 30,
        min_notice_minutes=60,
        count=int_field(form, "count") or 5,
    )


@router.post(ONE + "/propose")
def propose(
    case_id: int,
    session_id: int,
    request: Request,
    engage: EngageDep,
    uow: UowDep,
    user: UserDep,
    form: FormDep,
) -> Response:
    """Search everyone's free time and offer some starts (support)."""
    return _act(
        request,
        uow,
        user,
        case_id,
        str(session_id),
        lambda: svc.propose_slots(
            uow,
            engage.clock,
            tools(engage),
            actor=user,
            case_id=case_id,
            session_id=session_id,
            search=_search(form, user.tz),
        ),
        f"session-{session_id}",
    )


@router.post(ONE + "/book")
def book(
    case_id: int,
    session_id: int,
    request: Request,
    engage: EngageDep,
    uow: UowDep,
    user: UserDep,
    form: FormDep,
) -> Response:
    """Pick one of the proposed starts."""

    def act() -> None:
        try:
            start = datetime.fromisoformat(text_field(form, "start", 40))
        except ValueError:
            raise ValidationFailed("pick one of the proposed times") from None
        svc.book_session(
            uow,
            engage.clock,
            tools(engage),
            actor=user,
            case_id=case_id,
            session_id=session_id,
            start=start,
        )

    return _act(request, uow, user, case_id, str(session_id), act, f"session-{session_id}")


def _simple(name: str, call: Callable[..., object]) -> None:
    """Register POST .../{name} for a service call taking (uow, clock, actor, ids, **form)."""

    def handler(
        case_id: int,
        session_id: int,
        request: Request,
        engage: EngageDep,
        uow: UowDep,
        user: UserDep,
        form: FormDep,
    ) -> Response:
        return _act(
            request,
            uow,
            user,
            case_id,
            str(session_id),
            lambda: call(uow, engage, user, case_id, session_id, form),
            f"session-{session_id}",
        )

    handler.__name__ = f"session_{name}"
    router.post(f"{ONE}/{name}")(handler)


_simple(
    "ready",
    lambda uow, e, u, c, s, f: svc.confirm_ready(uow, e.clock, actor=u, case_id=c, session_id=s),
)
_simple(
    "begin",
    lambda uow, e, u, c, s, f: svc.begin_session(uow, e.clock, actor=u, case_id=c, session_id=s),
)
_simple(
    "disengage",
    lambda uow, e, u, c, s, f: svc.disengage_session(
        uow, e.clock, actor=u, case_id=c, session_id=s
    ),
)
_simple(
    "cancel",
    lambda uow, e, u, c, s, f: svc.cancel_session(
        uow, e.clock, tools(e), actor=u, case_id=c, session_id=s, note=text_field(f, "note", 2000)
    ),
)
_simple(
    "tasks",
    lambda uow, e, u, c, s, f: svc.add_task(
        uow,
        e.clock,
        actor=u,
        case_id=c,
        session_id=s,
        title=text_field(f, "title", 501),
        owner=text_field(f, "owner", 320) or None,
    ),
)
_simple(
    "task",
    lambda uow, e, u, c, s, f: svc.set_task_state(
        uow,
        e.clock,
        actor=u,
        case_id=c,
        session_id=s,
        task_id=text_field(f, "task", 32),
        state=enum_field(f, "state", TaskState),
    ),
)
_simple(
    "participants",
    lambda uow, e, u, c, s, f: svc.add_participant(
        uow,
        e.clock,
        tools(e),
        actor=u,
        case_id=c,
        session_id=s,
        user_id=int_field(f, "user_id") or 0,
        required=not checkbox(f, "optional"),
    ),
)


@router.get(ONE + "/invite.ics")
def invite(
    case_id: int, session_id: int, engage: EngageDep, uow: UowDep, user: UserDep
) -> Response:
    """Download the session's invite (.ics) to add it to a calendar."""
    file = session_invite_file(
        uow,
        engage.calendar,
        actor=user,
        case_id=case_id,
        session_id=session_id,
        stamp=engage.clock.now(),
    )
    return Response(
        file.data,
        media_type=file.media_type,
        headers={"Content-Disposition": f'attachment; filename="{file.filename}"'},
    )


def sessions_panel(engage: Engage, uow: UnitOfWork, viewer: User, view: CaseView) -> dict[str, Any]:
    """The case page's short sessions panel: how many, the next one, and a link."""
    assert view.case.id is not None
    records = svc.list_sessions(uow, actor=viewer, case_id=view.case.id)
    booked = sorted(
        (
            r
            for r in records
            if r.session.start is not None and r.session.status.value in ("booked", "in_progress")
        ),
        key=lambda r: r.session.start or datetime.max.replace(tzinfo=UTC),
    )
    return {"sessions_count": len(records), "next_session": booked[0] if booked else None}


if not any(t == "sessions/panel.html" for t, _ in CASE_PANELS):
    CASE_PANELS.append(("sessions/panel.html", sessions_panel))
