"""Who is in a session and what it may use: case engineers join, meeting tools on offer,
warnings before starting, and recovering from a meeting link that could not be made."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from engage.domain import sessions as rules
from engage.domain.cases import Case
from engage.domain.errors import Conflict
from engage.domain.errors import ValidationFailed as Invalid
from engage.domain.meetings import MeetingTool
from engage.domain.policy import policy_from_dict
from engage.domain.session_records import SessionRecord
from engage.domain.sessions import SessionStatus
from engage.domain.users import User
from engage.services.access import require_support, visible_case
from engage.services.cases import record_event
from engage.services.ports import Clock, UnitOfWork
from engage.services.session_common import SessionTools, load, participant, save_session
from engage.services.session_links import link_and_invite

#: Starting more than this long before the booked time asks for a confirmation.
EARLY_START = timedelta(minutes=15)
TOOL_NAMES = {
    MeetingTool.GOOGLE_MEET: "Google Meet",
    MeetingTool.ZOOM: "Zoom",
    MeetingTool.CUSTOM: "The customer's own meeting link",
}
_OPEN = (SessionStatus.PROPOSED, SessionStatus.BOOKED)


def offered_tools(uow: UnitOfWork, tools: SessionTools, case: Case) -> list[MeetingTool]:
    """Meeting tools to offer for ``case``: allowed by the organisation's policy AND set up
    on this server (the customer's own link needs no server set-up)."""
    org = uow.orgs.get(case.org_id)
    assert org is not None
    allowed = policy_from_dict(org.policy).meeting_tools
    return [t for t in MeetingTool if t in allowed and tools.is_configured(t)]


def default_tool(uow: UnitOfWork, tools: SessionTools, case: Case) -> MeetingTool:
    """The organisation's default tool when it is on offer, else the first one that is."""
    offered = offered_tools(uow, tools, case)
    if not offered:
        raise Invalid("no meeting tool is both allowed by the security policy and set up here")
    org = uow.orgs.get(case.org_id)
    preferred = str((org.policy if org else {}).get("meeting_tool") or "")
    return next((t for t in offered if t.value == preferred), offered[0])


def check_tool(uow: UnitOfWork, tools: SessionTools, case: Case, tool: MeetingTool) -> None:
    """Refuse a tool that is not on offer, saying why (policy or server set-up)."""
    if tool in offered_tools(uow, tools, case):
        return
    if not tools.is_configured(tool):
        raise Invalid(f"{TOOL_NAMES[tool]} is not set up on this server; choose another tool")
    raise Invalid(f"the organisation's security policy does not allow {TOOL_NAMES[tool]}")


def include_case_engineers(
    uow: UnitOfWork, clock: Clock, tools: SessionTools, *, actor: User, case_id: int
) -> list[SessionRecord]:
    """Add the case's assignee and additional engineers to its open sessions (as optional
    participants, so a booked time never breaks); booked sessions re-send their invite."""
    case = visible_case(uow, actor, case_id)
    require_support(actor, "add engineers to sessions")
    wanted = [uid for uid in [case.assignee_id, *uow.cases.engineers(case_id)] if uid]
    changed: list[SessionRecord] = []
    for record in uow.sessions.for_case(case_id):
        if record.session.status not in _OPEN:
            continue
        present = set(record.user_ids.values())
        session, ids = record.session, dict(record.user_ids)
        for uid in dict.fromkeys(wanted):
            if uid in present:
                continue
            person = participant(uow, case, uid, required=False)
            if any(p.email == person.email for p in session.participants):
                continue
            session = rules.add_participant(session, person)
            ids[person.email] = uid
        if session is not record.session:
            saved = save_session(uow, clock, record, session, user_ids=ids)
            record_event(
                uow, clock, case, actor, "session_participant_added", session_id=saved.id,
                user_ids=sorted(set(ids.values()) - present),
            )  # fmt: skip
            changed.append(saved)
    uow.commit()
    for saved in changed:
        if saved.session.start is not None:
            link_and_invite(uow, clock, tools, case=case, record=saved, update=True)
    return changed


def start_warnings(record: SessionRecord, now: datetime, names: dict[str, str]) -> list[str]:
    """Why starting now might be a mistake: too early, or required people not ready."""
    s = record.session
    warnings = []
    if s.start is not None and now < s.start - EARLY_START:
        hours = (s.start - now).total_seconds() / 3600
        when = f"{hours:.0f} hours" if hours >= 2 else f"{hours * 60:.0f} minutes"
        warnings.append(f"the session is booked to start in {when}")
    waiting = [names.get(e, e) for e in rules.not_ready(s)]
    if waiting:
        warnings.append("not yet confirmed ready: " + ", ".join(waiting))
    return warnings


@dataclass(frozen=True)
class LinkProblem:
    """The last meeting-link failure of a session, for the portal to explain."""

    error: str
    at: datetime | None


def link_problem(uow: UnitOfWork, record: SessionRecord) -> LinkProblem | None:
    """Why a booked session has no meeting link (the latest failure), or None."""
    if record.session.meeting is not None or record.session.start is None:
        return None
    failures = [
        e
        for e in uow.cases.events(record.case_id, internal=True)
        if e.kind == "session_link_failed" and e.data.get("session_id") == record.id
    ]
    if not failures:
        return None
    last = failures[-1]
    return LinkProblem(error=str(last.data.get("error", "unknown error")), at=last.created_at)


def retry_link(
    uow: UnitOfWork,
    clock: Clock,
    tools: SessionTools,
    *,
    actor: User,
    case_id: int,
    session_id: int,
    custom_url: str | None = None,
) -> SessionRecord:
    """Try the meeting link again (support); with ``custom_url``, fall back to the customer's
    own link instead. Raises Conflict when the provider fails again, with its reason."""
    case, record = load(uow, actor, case_id, session_id)
    require_support(actor, "create meeting links")
    if record.session.start is None or record.session.status is not SessionStatus.BOOKED:
        raise Conflict("only a booked session gets a meeting link")
    if custom_url:
        if not custom_url.startswith(("https://", "http://")):
            raise Invalid("the meeting link must start with https://")
        check_tool(uow, tools, case, MeetingTool.CUSTOM)
        session = replace(record.session, tool=MeetingTool.CUSTOM)
        record = save_session(uow, clock, record, session, custom_url=custom_url)
        record_event(uow, clock, case, actor, "session_tool_changed", session_id=record.id,
                     tool=MeetingTool.CUSTOM.value)  # fmt: skip
        uow.commit()
    record = link_and_invite(uow, clock, tools, case=case, record=record, update=True)
    problem = link_problem(uow, record)
    if record.session.meeting is None:
        raise Conflict(
            "the meeting link still could not be created"
            + (f": {problem.error}" if problem else "")
        )
    return record
