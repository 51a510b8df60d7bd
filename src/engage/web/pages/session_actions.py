"""What the Sessions page's forms post to: plan, propose, book, ready, start, disengage,
cancel, agenda tasks, bring someone in, retry a meeting link or use the customer's own.

Each action redirects back with a confirmation of what it did (post/redirect/get); a rule the
service enforces re-renders the page with the message next to the session it concerns.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from engage.bootstrap import Engage
from engage.domain.errors import Conflict, InvalidTransition, ValidationFailed
from engage.domain.meetings import MeetingTool
from engage.domain.session_records import SessionRecord
from engage.domain.sessions import TaskState
from engage.domain.users import User
from engage.services import session_people as people
from engage.services import sessions as svc
from engage.services.availability import SlotSearch
from engage.services.ports import UnitOfWork
from engage.web.deps import EngageDep, FormDep, UowDep, UserDep
from engage.web.forms import Fields, checkbox, enum_field, int_field, text_field
from engage.web.pages.sessions import BASE, ONE, sessions_page, tools
from engage.web.templating import local_time, zone

router = APIRouter(include_in_schema=False)
_SHOWN = (ValidationFailed, InvalidTransition, Conflict)
Done = str | Callable[[SessionRecord], str]


def _act(
    request: Request,
    engage: Engage,
    uow: UnitOfWork,
    user: User,
    case_id: int,
    key: str,
    action: Callable[[], object],
    done: Done,
    anchor: str = "sessions",
) -> Response:
    """Run `action`; say what it did on the next page, or show the rule it broke."""
    try:
        result = action()
    except _SHOWN as exc:
        uow.rollback()
        return sessions_page(
            request, engage, uow, user, case_id, errors={key: str(exc)}, status=exc.status
        )
    message = done(result) if callable(done) and isinstance(result, SessionRecord) else done
    request.session["flash"] = message if isinstance(message, str) else ""
    return RedirectResponse(f"/cases/{case_id}/sessions#{anchor}", status_code=303)


@router.get(BASE)
def show(case_id: int, request: Request, engage: EngageDep, uow: UowDep, user: UserDep) -> Response:
    """The case's sessions; 404 for other organisations' cases."""
    return sessions_page(request, engage, uow, user, case_id)


@router.post(BASE)
def create(
    case_id: int, request: Request, engage: EngageDep, uow: UowDep, user: UserDep, form: FormDep
) -> Response:
    """Plan a session (support)."""

    def act() -> SessionRecord:
        return svc.create_session(
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

    def done(r: SessionRecord) -> str:
        tool = people.TOOL_NAMES[r.session.tool]
        return f"Session “{r.session.topic}” planned ({tool}). Next: propose times."

    return _act(request, engage, uow, user, case_id, "new", act, done)


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


def _proposed(r: SessionRecord) -> str:
    n = len(r.session.proposed_starts)
    if not n:
        return "No time suits everyone in that window; try more days or a later start."
    return f"Proposed {n} time{'' if n == 1 else 's'}; the customer can now pick one."


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
        engage,
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
        _proposed,
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

    def act() -> SessionRecord:
        try:
            start = datetime.fromisoformat(text_field(form, "start", 40))
        except ValueError:
            raise ValidationFailed("pick one of the proposed times") from None
        return svc.book_session(
            uow,
            engage.clock,
            tools(engage),
            actor=user,
            case_id=case_id,
            session_id=session_id,
            start=start,
        )

    def done(r: SessionRecord) -> str:
        when = local_time(r.session.start, user.tz)
        return f"Booked for {when}. Everyone gets an invite."

    return _act(
        request, engage, uow, user, case_id, str(session_id), act, done, f"session-{session_id}"
    )


@router.post(ONE + "/begin")
def begin(
    case_id: int,
    session_id: int,
    request: Request,
    engage: EngageDep,
    uow: UowDep,
    user: UserDep,
    form: FormDep,
) -> Response:
    """Start the session (support); early or with people not ready asks to confirm first."""
    record = svc.get_session(uow, actor=user, case_id=case_id, session_id=session_id)
    names = {p.email.lower(): p.name or p.email for p in record.session.participants}
    warnings = people.start_warnings(record, engage.clock.now(), names)
    if warnings and not checkbox(form, "confirm"):
        return sessions_page(
            request, engage, uow, user, case_id, warnings={str(session_id): warnings}
        )
    return _act(
        request,
        engage,
        uow,
        user,
        case_id,
        str(session_id),
        lambda: svc.begin_session(
            uow, engage.clock, actor=user, case_id=case_id, session_id=session_id
        ),
        "Session started. Tick tasks off as you go; disengage when none is left.",
        f"session-{session_id}",
    )


@router.post(ONE + "/link")
def retry_link(
    case_id: int,
    session_id: int,
    request: Request,
    engage: EngageDep,
    uow: UowDep,
    user: UserDep,
    form: FormDep,
) -> Response:
    """Try the meeting link again, or use the customer's own link instead (support)."""
    own = text_field(form, "custom_url", 2000).strip() or None
    return _act(
        request,
        engage,
        uow,
        user,
        case_id,
        str(session_id),
        lambda: people.retry_link(
            uow,
            engage.clock,
            tools(engage),
            actor=user,
            case_id=case_id,
            session_id=session_id,
            custom_url=own,
        ),
        "Meeting link ready; the invite was sent again.",
        f"session-{session_id}",
    )


Call = Callable[[UnitOfWork, Engage, User, int, int, Fields], object]


def _simple(name: str, call: Call, done: Done) -> None:
    """Register POST .../{name} for a service call taking (uow, engage, actor, ids, form)."""

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
            engage,
            uow,
            user,
            case_id,
            str(session_id),
            lambda: call(uow, engage, user, case_id, session_id, form),
            done,
            f"session-{session_id}",
        )

    handler.__name__ = f"session_{name}"
    router.post(f"{ONE}/{name}")(handler)


_simple(
    "ready",
    lambda uow, e, u, c, s, f: svc.confirm_ready(uow, e.clock, actor=u, case_id=c, session_id=s),
    "Thanks: you are marked ready for this session.",
)
_simple(
    "disengage",
    lambda uow, e, u, c, s, f: svc.disengage_session(
        uow, e.clock, actor=u, case_id=c, session_id=s
    ),
    "Session ended; support continues on the case internally.",
)
_simple(
    "cancel",
    lambda uow, e, u, c, s, f: svc.cancel_session(
        uow, e.clock, tools(e), actor=u, case_id=c, session_id=s, note=text_field(f, "note", 2000)
    ),
    "Session cancelled; everyone invited gets a cancellation.",
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
    lambda r: f"Task added: {r.session.agenda[-1].title}.",
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
    "Agenda updated.",
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
    lambda r: (
        f"{r.session.participants[-1].name or r.session.participants[-1].email} "
        "added to the session."
    ),
)
