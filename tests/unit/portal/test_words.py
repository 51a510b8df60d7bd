"""Words the portal shows: relative due times, labels without raw identifiers, timeline detail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engage.domain.cases import CaseEvent
from engage.domain.policy import PSEUDONYM_KINDS
from engage.web.templating import PSEUDONYM_WORDS, due_words, label
from engage.web.timeline import describe_event

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_due_words_read_like_a_person_would_say_them() -> None:
    assert due_words(NOW + timedelta(minutes=57), NOW) == "due in 57 min"
    assert due_words(NOW + timedelta(hours=2, minutes=5), NOW) == "due in 2h 5m"
    assert due_words(NOW - timedelta(days=3, hours=4, minutes=9), NOW) == "overdue by 3d 4h"
    assert due_words(NOW + timedelta(seconds=20), NOW) == "due now"
    assert due_words(NOW + timedelta(minutes=59, seconds=40), NOW) == "due in 1h"
    assert due_words(None, NOW) == ""


def test_labels_never_show_raw_identifiers() -> None:
    assert label("google_meet") == "Google Meet"
    assert label("aggregator-db") == "Aggregator database"
    assert label("take_back") == "Back to support"
    assert label("har") == "HAR file"


def _line(kind: str, **data: object) -> str:
    event = CaseEvent(case_id=1, kind=kind, actor_id=None, data=data, created_at=NOW)
    return describe_event(event, {}).what


def test_timeline_lines_carry_their_detail() -> None:
    assert _line("diagnostics_requested", artifact_kind="heap-profile", rows=2) == (
        "asked for heap profile (2 items)"
    )
    assert _line("diagnostics_waived", label="prod", reason="seen already") == (
        "marked as not needed prod: seen already"
    )
    assert _line("artifact_uploaded", name="heap.pb.gz", artifact_kind="heap-profile") == (
        "uploaded heap.pb.gz (heap profile)"
    )
    assert _line("session_booked", start="2026-03-03T15:00:00+00:00") == (
        "booked a session for 2026-03-03 15:00 UTC"
    )
    assert _line("status", transition="split", into=[7, 8], to="closed") == (
        "closed the case as split into #7, #8"
    )


def test_every_pseudonym_kind_has_words() -> None:
    assert tuple(PSEUDONYM_WORDS) == PSEUDONYM_KINDS
    assert all(name and what for name, what in PSEUDONYM_WORDS.values())
