"""iCalendar invites for sessions (RFC 5545 objects, RFC 5546 methods, RFC 7986 CONFERENCE).

One VEVENT per session, keyed by the session's stable UID. Times are written in UTC (``...Z``)
so no VTIMEZONE is needed and every client shows them in its own zone. ``METHOD:REQUEST``
invites (and re-invites after a change, with the session's bumped SEQUENCE), ``METHOD:CANCEL``
calls it off, and ``method=None`` gives the bare object that CalDAV servers store (RFC 4791
forbids METHOD inside a calendar collection).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import icalendar

from engage.domain.meetings import SCREEN_SHARING_NOTE, Meeting, MeetingTool
from engage.domain.sessions import Participant, Session, SessionStatus
from engage.services.ports import Mailer

PRODID = "-//engage//Kubecost support sessions//EN"
TOOL_LABELS = {
    MeetingTool.GOOGLE_MEET: "Google Meet",
    MeetingTool.ZOOM: "Zoom",
    MeetingTool.CUSTOM: "Meeting link",
}


class Method(StrEnum):
    """iTIP methods (RFC 5546) an organizer sends."""

    REQUEST = "REQUEST"
    CANCEL = "CANCEL"
    PUBLISH = "PUBLISH"


class InviteError(ValueError):
    """A session that cannot be turned into an invite (not booked yet)."""


def _address(person: Participant) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{person.email}")
    if person.name:
        address.params["CN"] = person.name
    return address


def _attendee(person: Participant) -> icalendar.vCalAddress:
    address = _address(person)
    address.params["CUTYPE"] = "INDIVIDUAL"
    address.params["ROLE"] = "REQ-PARTICIPANT" if person.required else "OPT-PARTICIPANT"
    address.params["PARTSTAT"] = str(person.response)
    address.params["RSVP"] = "TRUE"
    return address


def describe(session: Session) -> str:
    """The invite's DESCRIPTION: case, how to join, the agenda and any screen-sharing note."""
    lines = [f"Kubecost support session for case {session.case_id}: {session.topic}", ""]
    if session.meeting is not None:
        lines.append(f"Join: {session.meeting.join_url}")
        if session.meeting.dial_in:
            lines.append(f"Dial-in: {session.meeting.dial_in}")
        lines.append("")
    if session.agenda:
        names = {
            p.email.lower(): p.name or p.email for p in (session.organizer, *session.participants)
        }
        lines.append("Agenda (please come prepared for your tasks):")
        for number, task in enumerate(session.agenda, start=1):
            lines.append(f"{number}. {task.title} ({names.get(task.owner.lower(), task.owner)})")
        lines.append("")
    if not session.screen_sharing_allowed:
        lines.extend([SCREEN_SHARING_NOTE, ""])
    lines.append(
        "If no active task is left during the session, support may end it and continue "
        "the investigation internally."
    )
    return "\n".join(lines)


def _add_conference(event: icalendar.Event, meeting: Meeting) -> None:
    label = TOOL_LABELS[meeting.tool]
    video: dict[str, Any] = {"VALUE": "URI", "FEATURE": ["AUDIO", "VIDEO"], "LABEL": label}
    event.add("conference", meeting.join_url, parameters=video)
    phone = meeting.extra.get("phone_uri", "")
    if phone:
        dial: dict[str, Any] = {"VALUE": "URI", "FEATURE": "PHONE", "LABEL": f"{label} dial-in"}
        event.add("conference", phone, parameters=dial)


def _event(session: Session, stamp: datetime, method: Method | None) -> icalendar.Event:
    if session.start is None or session.end is None:
        raise InviteError(f"session {session.uid} has no booked time yet")
    cancelled = method is Method.CANCEL or session.status is SessionStatus.CANCELLED
    event = icalendar.Event()
    event.add("uid", session.uid)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", session.start.astimezone(UTC))
    event.add("dtend", session.end.astimezone(UTC))
    event.add("sequence", session.sequence)
    event.add("summary", f"Kubecost support: {session.topic}")
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("organizer", _address(session.organizer))
    for person in session.participants:
        event.add("attendee", _attendee(person))
    event.add("description", describe(session))
    if session.meeting is not None:
        event.add("location", session.meeting.join_url)
        event.add("url", session.meeting.join_url)
        _add_conference(event, session.meeting)
    return event


def build_ics(
    session: Session, *, stamp: datetime, method: Method | None = Method.REQUEST
) -> bytes:
    """The session as an iCalendar object; ``stamp`` (DTSTAMP) is when it is generated."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method is not None:
        cal.add("method", str(method))
    cal.add_component(_event(session, stamp, method))
    return bytes(cal.to_ical())


def build_invite(session: Session, *, stamp: datetime) -> bytes:
    """METHOD:REQUEST: the first invite, or an update after a change (same UID, SEQUENCE up)."""
    return build_ics(session, stamp=stamp, method=Method.REQUEST)


def build_cancel(session: Session, *, stamp: datetime) -> bytes:
    """METHOD:CANCEL for a cancelled session (its SEQUENCE was bumped by cancelling)."""
    if session.status is not SessionStatus.CANCELLED:
        raise InviteError(f"session {session.uid} is {session.status}, not cancelled")
    return build_ics(session, stamp=stamp, method=Method.CANCEL)


def content_type(method: Method) -> str:
    """The MIME type of an invite part, with the iTIP method parameter mail clients look for."""
    return f'text/calendar; charset="utf-8"; method={method}'


class IcsFiles:
    """The CalendarFiles port: sessions as .ics files (REQUEST, or CANCEL once cancelled)."""

    def session_file(self, session: Session, *, stamp: datetime, cancel: bool) -> tuple[bytes, str]:
        """The .ics bytes and their media type."""
        method = Method.CANCEL if cancel else Method.REQUEST
        return build_ics(session, stamp=stamp, method=method), content_type(method)


@dataclass(frozen=True)
class InviteMail:
    """What to hand a Mailer for one invite or cancellation."""

    to: list[str]
    subject: str
    text: str
    attachments: list[tuple[str, str, bytes]]


def _when(session: Session) -> str:
    assert session.start is not None and session.end is not None  # _event has checked
    return f"{session.start:%a %d %b %Y %H:%M}-{session.end:%H:%M} UTC"


def invite_mail(session: Session, *, stamp: datetime, update: bool = False) -> InviteMail:
    """The mail for the session's current state: REQUEST while on, CANCEL once cancelled.

    ``update`` marks a re-invite after a change (the subject says so); the SEQUENCE inside
    already tells calendar software to replace the earlier copy.
    """
    cancelled = session.status is SessionStatus.CANCELLED
    method = Method.CANCEL if cancelled else Method.REQUEST
    data = build_cancel(session, stamp=stamp) if cancelled else build_invite(session, stamp=stamp)
    if cancelled:
        subject = f"Cancelled: Kubecost support session {session.case_id}"
        text = f"The session on {_when(session)} is cancelled.\n\n{session.note}".rstrip() + "\n"
    else:
        prefix = "Updated: " if update else ""
        subject = f"{prefix}Kubecost support session {session.case_id}, {_when(session)}"
        text = f"{_when(session)}\n\n{describe(session)}\n"
    return InviteMail(
        to=[p.email for p in session.participants],
        subject=subject,
        text=text,
        attachments=[("invite.ics", content_type(method), data)],
    )


def send_invite(
    mailer: Mailer, session: Session, *, stamp: datetime, update: bool = False
) -> InviteMail:
    """Mail the session's invite (or cancellation) to every participant; returns what was sent."""
    mail = invite_mail(session, stamp=stamp, update=update)
    mailer.send(to=mail.to, subject=mail.subject, text=mail.text, attachments=mail.attachments)
    return mail
