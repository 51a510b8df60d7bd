"""Timeline lines in words: `Sam Support moved the case from new to triage`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from engage.domain.cases import CaseEvent
from engage.domain.users import User
from engage.web.templating import label


@dataclass(frozen=True)
class TimelineLine:
    """One event as shown: who, what (plain text), an optional case to link to, internal?"""

    event: CaseEvent
    who: str
    what: str
    case_id: int | None = None


Describe = Callable[[Mapping[str, Any], Callable[[object], str]], str]


def _status(d: Mapping[str, Any], _: Callable[[object], str]) -> str:
    if d.get("transition") == "split":
        into = ", ".join(f"#{i}" for i in d.get("into") or [])
        return f"closed the case as split into {into or 'separate cases'}"
    if "from" not in d:
        return f"set the status to {label(d.get('to', '?')).lower()}"
    return f"moved the case from {label(d['from']).lower()} to {label(d.get('to', '?')).lower()}"


def _assigned(d: Mapping[str, Any], name: Callable[[object], str]) -> str:
    return f"assigned the case to {name(d['to'])}" if d.get("to") else "unassigned the case"


def _engineers(d: Mapping[str, Any], name: Callable[[object], str]) -> str:
    people = [name(u) for u in d.get("to") or []]
    if not people:
        return "removed additional engineers"
    return "set additional engineers: " + ", ".join(people)


def _changed(field: str) -> Describe:
    def describe(d: Mapping[str, Any], _: Callable[[object], str]) -> str:
        if "from" in d:
            return f"changed the {field} from {label(d['from'])} to {label(d.get('to'))}"
        return f"changed the {field}"

    return describe


def _kind(d: Mapping[str, Any]) -> str:
    return label(d.get("artifact_kind") or d.get("kind") or "files").lower()


def _plural(n: object, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _row(verb: str) -> Describe:
    def describe(d: Mapping[str, Any], _: Callable[[object], str]) -> str:
        why = f": {d['reason']}" if d.get("reason") else ""
        return f"{verb} {d.get('label') or 'a requested item'}{why}"

    return describe


def _when(d: Mapping[str, Any]) -> str:
    raw = d.get("start")
    return f" for {str(raw)[:16].replace('T', ' ')} UTC" if raw else ""


_DIAGNOSTICS: dict[str, Describe] = {
    "diagnostics_requested": lambda d, _: (
        f"asked for {_kind(d)} ({_plural(d.get('rows', 1), 'item')})"
    ),
    "diagnostics_validated": _row("accepted"),
    "diagnostics_waived": _row("marked as not needed"),
    "diagnostics_rejected": _row("sent back"),
    "diagnostics_received": _row("received"),
    "diagnostics_complete": lambda d, _: (
        f"has every requested item ({d.get('done')} of {d.get('total')})"
    ),
    "diagnostics_overdue": lambda d, _: f"reminded the customer: {_kind(d)} is overdue",
    "artifact_uploaded": lambda d, _: f"uploaded {d.get('name', 'a file')} ({_kind(d)})",
    "artifact_rejected": lambda d, _: (
        f"refused {d.get('name', 'a file')}: {d.get('reason', 'not the expected kind of file')}"
    ),
    "artifact_downloaded": lambda d, _: f"downloaded {d.get('name', 'a file')}",
    "artifact_deleted": lambda d, _: f"deleted {d.get('name', 'a file')} (retention)",
    "analysis_finished": lambda d, _: (
        f"analysed {d.get('name', 'an upload')}: {_plural(d.get('findings', 0), 'finding')}"
    ),
    "analysis_failed": lambda d, _: f"could not analyse an upload: {d.get('error', '')}",
    "findings_shared": lambda d, _: f"shared {_plural(d.get('findings', 0), 'finding')}",
    "break_glass": lambda d, _: f"approved a one-off exception for {_kind(d)}",
    "sla_adjusted": lambda d, _: "adjusted the SLA targets for the security policy",
}

_SESSIONS: dict[str, Describe] = {
    "session_created": lambda d, _: f"planned a session: {d.get('topic', '')}",
    "session_proposed": lambda d, _: (
        f"proposed {_plural(len(d.get('starts') or []), 'time')} for a session"
    ),
    "session_booked": lambda d, _: f"booked a session{_when(d)}",
    "session_started": lambda d, _: "started a session",
    "session_done": lambda d, _: "finished a session",
    "session_disengaged": lambda d, _: "session disengaged; support continues internally",
    "session_cancelled": lambda d, _: "cancelled a session",
    "session_task_added": lambda d, _: f"added a session task: {d.get('task', '')}",
    "session_participant_added": lambda d, _: "brought someone into a session",
    "session_link_failed": lambda d, _: f"could not create the meeting link: {d.get('error', '')}",
    "session_invite_sent": lambda d, _: "sent the session invite",
    "session_tool_changed": lambda d, _: f"switched the session to {label(d.get('tool', ''))}",
}

_DESCRIBE: dict[str, Describe] = {
    **_DIAGNOSTICS,
    **_SESSIONS,
    "opened": lambda d, _: (
        f"opened the case ({d.get('severity', '?')}, {label(d.get('area', 'other')).lower()})"
    ),
    "status": _status,
    "comment": lambda d, _: "added a comment",
    "assigned": _assigned,
    "engineers": _engineers,
    "split_from": lambda d, _: f"split this case out of case #{d.get('case_id')}",
    "split_into": lambda d, _: f"split out case #{d.get('case_id')}: {d.get('title', '')}",
    "linked": lambda d, _: f"linked case #{d.get('case_id')} as {label(d.get('kind', '')).lower()}",
    "scope_warning": lambda d, _: (
        f"scope check: the text may describe {d.get('parts', 'several')} separate issues"
    ),
    "title_changed": _changed("title"),
    "description_changed": _changed("description"),
    "severity_changed": _changed("severity"),
    "area_changed": _changed("area"),
    "environment_id_changed": lambda d, _: "changed the environment",
    "instances_changed": lambda d, _: "changed the affected instances",
}


def describe_event(event: CaseEvent, people: Mapping[int, User]) -> TimelineLine:
    """A timeline line for `event`; unknown kinds (from later features) read as their name."""

    def name(uid: object) -> str:
        user = people.get(uid) if isinstance(uid, int) else None
        return user.name if user else f"user {uid}"

    data = event.data or {}
    who = name(event.actor_id) if event.actor_id is not None else "engage"
    describe = _DESCRIBE.get(event.kind)
    what = describe(data, name) if describe else label(event.kind).lower()
    if event.kind == "comment" and event.internal:
        what = "added an internal note"
    linked = data.get("case_id") if event.kind in ("split_from", "split_into", "linked") else None
    return TimelineLine(
        event=event, who=who, what=what, case_id=linked if isinstance(linked, int) else None
    )
