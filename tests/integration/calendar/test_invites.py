"""Invites validate as iCalendar, carry RFC 5546/7986 properties, and track SEQUENCE."""

from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest

from engage.adapters.calendar.ics import (
    SCREEN_SHARING_NOTE,
    InviteError,
    build_cancel,
    build_ics,
    build_invite,
    invite_mail,
)
from engage.domain import sessions as s
from engage.domain.sessions import Participant, Role, Session

from .conftest import STAMP, START


def vevent(data: bytes) -> tuple[icalendar.Calendar, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(data)
    events = cal.walk("VEVENT")
    assert len(events) == 1
    return cal, events[0]


def test_request_has_what_rfc5546_requires(session: Session) -> None:
    data = build_invite(session, stamp=STAMP)
    assert b"\r\n" in data and all(len(line) <= 75 for line in data.split(b"\r\n"))
    cal, event = vevent(data)
    assert cal["METHOD"] == "REQUEST" and cal["VERSION"] == "2.0" and cal["PRODID"]
    assert event["UID"] == "session-42@engage.test"
    assert event.decoded("DTSTART") == START and event.decoded("DTSTART").utcoffset() == timedelta(
        0
    )
    assert event.decoded("DTEND") == START + timedelta(minutes=45)
    assert event.decoded("DTSTAMP") == STAMP
    assert b"DTSTART:20260302T140000Z" in data
    assert event["SEQUENCE"] == 1  # the link was attached after booking
    assert event["ORGANIZER"] == "mailto:support@engage.test"
    roles = {str(a): (a.params["ROLE"], a.params["PARTSTAT"]) for a in event["ATTENDEE"]}
    assert roles == {
        "mailto:ana@customer.test": ("REQ-PARTICIPANT", "NEEDS-ACTION"),
        "mailto:raj@customer.test": ("OPT-PARTICIPANT", "NEEDS-ACTION"),
    }
    assert event["ATTENDEE"][0].params["CN"] == "Ana Pérez"
    assert event["LOCATION"] == "https://meet.google.com/abc-mnop-xyz"
    conferences = {str(c): c.params for c in event["CONFERENCE"]}
    video = conferences["https://meet.google.com/abc-mnop-xyz"]
    assert (video["VALUE"], video["LABEL"]) == ("URI", "Google Meet")
    assert b"FEATURE=AUDIO,VIDEO" in data
    assert conferences["tel:+1-555-0100;pin=123456"]["FEATURE"] == "PHONE"
    description = str(event["DESCRIPTION"])
    assert "1. Share aggregator logs (Ana Pérez)" in description
    assert "2. Check DuckDB file size (Kubecost Support)" in description
    assert SCREEN_SHARING_NOTE in description and "PIN: 123456#" in description
    assert event["STATUS"] == "CONFIRMED"


def test_screen_sharing_note_only_when_not_allowed(session: Session) -> None:
    from dataclasses import replace

    allowed = replace(session, screen_sharing_allowed=True)
    _, event = vevent(build_invite(allowed, stamp=STAMP))
    assert "Screen sharing" not in str(event["DESCRIPTION"])


def test_update_keeps_uid_and_bumps_sequence(session: Session) -> None:
    _, first = vevent(build_invite(session, stamp=STAMP))
    engineer = Participant("li@support.test", "Li", Role.ENGINEER)
    updated = s.add_participant(session, engineer)
    _, second = vevent(build_invite(updated, stamp=STAMP + timedelta(hours=1)))
    assert second["UID"] == first["UID"]
    assert second["SEQUENCE"] == first["SEQUENCE"] + 1
    assert "mailto:li@support.test" in [str(a) for a in second["ATTENDEE"]]
    mail = invite_mail(updated, stamp=STAMP, update=True)
    assert mail.subject.startswith("Updated: ") and "li@support.test" in mail.to
    assert not invite_mail(session, stamp=STAMP).subject.startswith("Updated")


def test_cancel(session: Session) -> None:
    with pytest.raises(InviteError, match="not cancelled"):
        build_cancel(session, stamp=STAMP)
    cancelled = s.cancel(session, "Resolved by e-mail")
    cal, event = vevent(build_cancel(cancelled, stamp=STAMP))
    assert cal["METHOD"] == "CANCEL" and event["STATUS"] == "CANCELLED"
    assert event["UID"] == session.uid and event["SEQUENCE"] == session.sequence + 1
    mail = invite_mail(cancelled, stamp=STAMP)
    assert mail.subject.startswith("Cancelled:") and "method=CANCEL" in mail.attachments[0][1]


def test_unbooked_session_has_no_invite(session: Session) -> None:
    from dataclasses import replace

    with pytest.raises(InviteError, match="no booked time"):
        build_ics(replace(session, start=None), stamp=STAMP)


def test_stored_form_has_no_method(session: Session) -> None:
    cal, _ = vevent(build_ics(session, stamp=STAMP, method=None))
    assert "METHOD" not in cal
