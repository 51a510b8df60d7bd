"""The Sessions page of a case: each session as a card with what the viewer may do to it.

`GET /cases/{id}/sessions` shows the section as a page of its own; `sessions/section.html`
is written so the case page can include it too (given `session_context`). The forms post to
engage.web.pages.session_actions, which redirects back here with a confirmation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from engage.bootstrap import Engage
from engage.domain import sessions as rules
from engage.domain.errors import Conflict, InvalidTransition, ValidationFailed
from engage.domain.meetings import SCREEN_SHARING_NOTE
from engage.domain.session_records import SessionRecord
from engage.domain.sessions import AgendaTask, SessionStatus
from engage.domain.users import User
from engage.services import session_people as people
from engage.services import sessions as svc
from engage.services.access import visible_case
from engage.services.cases import CaseView
from engage.services.ports import UnitOfWork
from engage.services.session_files import session_invite_file
from engage.services.session_people import LinkProblem
from engage.web.deps import EngageDep, UowDep, UserDep
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


#: What support reads when the policy forbids screen sharing (customers read the invite's words).
SUPPORT_SCREEN_NOTE = (
    "Screen sharing is not allowed under this organisation's security policy: the customer "
    "drives their own screen and runs each step; guide them by voice and chat and ask them to "
    "read out or paste command output."
)


@dataclass(frozen=True)
class SessionCard:
    """One session as the viewer sees it, with what they may do to it."""

    record: SessionRecord
    me: rules.Participant | None
    tickable: frozenset[str]
    may_disengage: bool
    not_ready: list[str]
    names: dict[str, str]
    bring_in: list[User]
    link_problem: LinkProblem | None

    @property
    def session(self) -> rules.Session:
        """The domain session."""
        return self.record.session


def _card(uow: UnitOfWork, record: SessionRecord, viewer: User, staff: list[User]) -> SessionCard:
    s = record.session
    names = {p.email.lower(): p.name or p.email for p in s.participants}
    names[s.organizer.email.lower()] = s.organizer.name or s.organizer.email
    present = set(record.user_ids.values()) | {u.id for u in staff if u.email.lower() in names}
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
        not_ready=[names.get(e.lower(), e) for e in rules.not_ready(s)],
        names=names,
        bring_in=[u for u in staff if u.id not in present],
        link_problem=people.link_problem(uow, record) if s.status is SessionStatus.BOOKED else None,
    )


def session_context(engage: Engage, uow: UnitOfWork, viewer: User, case_id: int) -> dict[str, Any]:
    """What sessions/section.html needs for a case."""
    case = visible_case(uow, viewer, case_id)
    records = svc.list_sessions(uow, actor=viewer, case_id=case_id)
    staff = uow.users.support_staff() if viewer.is_support else []
    offered = people.offered_tools(uow, tools(engage), case) if viewer.is_support else []
    return {
        "case": case,
        "cards": [_card(uow, r, viewer, staff) for r in records],
        "staff": staff,
        "screen_sharing_note": SUPPORT_SCREEN_NOTE if viewer.is_support else SCREEN_SHARING_NOTE,
        "tools": offered,
        "tool_names": people.TOOL_NAMES,
        "default_tool": people.default_tool(uow, tools(engage), case) if offered else None,
        "user_email": viewer.email,
        "today": datetime.now(zone(viewer.tz)).date(),
        "warnings": {},
    }


def sessions_page(
    request: Request,
    engage: Engage,
    uow: UnitOfWork,
    viewer: User,
    case_id: int,
    *,
    errors: dict[str, str] | None = None,
    warnings: dict[str, list[str]] | None = None,
    status: int = 200,
) -> Response:
    """Render the sessions page, with a failed form's message (or start warnings) by id."""
    context = session_context(engage, uow, viewer, case_id)
    context["errors"] = errors or {}
    context["warnings"] = warnings or {}
    return render(request, "sessions/page.html", context, status)


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
