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


_DESCRIBE: dict[str, Describe] = {
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
