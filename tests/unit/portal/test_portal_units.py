"""Pure pieces of the portal: time and label filters, timeline lines, filters, secrets."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from starlette.datastructures import FormData, QueryParams

from engage.domain.cases import CaseEvent, CaseStatus, ComponentArea, Severity
from engage.domain.errors import ValidationFailed
from engage.domain.users import Role, User
from engage.web.forms import checkbox, enum_field, int_field, int_list, text_field
from engage.web.pages.auth import safe_next
from engage.web.pages.case_actions import split_parts
from engage.web.pages.queue import QueueFilters
from engage.web.templating import duration, label, local_time
from engage.web.timeline import describe_event

SAM = User(email="sam@x", name="Sam Support", role=Role.SUPPORT_ENGINEER, id=4)


def test_local_time_uses_the_viewers_zone_and_its_dst_name() -> None:
    winter = datetime(2025, 1, 15, 17, 0, tzinfo=UTC)
    summer = datetime(2025, 7, 15, 17, 0, tzinfo=UTC)
    assert local_time(winter, "America/New_York") == "Wed 15 Jan 2025, 12:00 EST"
    assert local_time(summer, "America/New_York") == "Tue 15 Jul 2025, 13:00 EDT"
    assert local_time(summer, "Asia/Kolkata") == "Tue 15 Jul 2025, 22:30 IST"
    assert local_time(winter, "Not/AZone") == "Wed 15 Jan 2025, 17:00 UTC"
    assert local_time(None, "UTC") == "—"


def test_duration_and_labels() -> None:
    assert duration(0.4) == "0m"
    assert duration(61) == "1h 1m"
    assert duration(-(2 * 1440 + 5)) == "2d 5m"
    assert label(CaseStatus.WAITING_ON_CUSTOMER) == "Waiting on customer"
    assert label(ComponentArea.SSO_AUTH) == "SSO / auth"
    assert label("ask_customer") == "Ask the customer"


def event(kind: str, internal: bool = False, actor: int | None = 4, **data: object) -> CaseEvent:
    return CaseEvent(case_id=1, kind=kind, actor_id=actor, data=dict(data), internal=internal)


def test_timeline_lines_read_as_sentences() -> None:
    people = {4: SAM}
    line = describe_event(event("status", **{"from": "new", "to": "triage"}), people)
    assert (line.who, line.what) == ("Sam Support", "moved the case from new to triage")
    assert (
        describe_event(event("assigned", to=4), people).what == "assigned the case to Sam Support"
    )
    assert describe_event(event("assigned", to=None), people).what == "unassigned the case"
    assert describe_event(event("comment", internal=True), people).what == "added an internal note"
    split = describe_event(event("split_into", case_id=9, title="OOM"), people)
    assert (split.what, split.case_id) == ("split out case #9: OOM", 9)
    system = describe_event(event("scope_warning", actor=None, parts=2), people)
    assert system.who == "engage" and "2 separate issues" in system.what
    assert (
        describe_event(event("severity_changed", **{"from": "P3", "to": "P1"}), people).what
        == "changed the severity from P3 to P1"
    )


def test_unknown_events_from_later_features_still_read() -> None:
    line = describe_event(event("widget_frobbed", actor=77), {})
    assert (line.who, line.what) == ("user 77", "widget frobbed")


def test_queue_filters_parse_and_round_trip() -> None:
    params = QueryParams("status=new&status=bogus&severity=P1&assignee=me&at_risk=on&q=oom&page=3")
    f = QueueFilters.parse(params)
    assert f.statuses == [CaseStatus.NEW] and f.severities == [Severity.P1]
    assert (f.assignee, f.at_risk, f.q, f.page) == ("me", True, "oom", 3)
    again = QueueFilters.parse(QueryParams(f.url().split("?", 1)[1]))
    assert again == f
    assert f.url(page=1).count("page=") == 0
    query = f.query(SAM, datetime(2025, 1, 1, tzinfo=UTC))
    assert query.assignee_id == 4 and query.offset == 50 and query.at_risk_by is not None
    assert QueueFilters.parse(QueryParams("page=-1&assignee=<x>")).page == 1
    assert QueueFilters.parse(QueryParams("assignee=<x>")).assignee == ""


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/cases/4", "/cases/4"),
        (None, "/cases"),
        ("//evil.example", "/cases"),
        ("https://evil.example", "/cases"),
        ("/\\evil.example", "/cases"),
        ("cases", "/cases"),
    ],
)
def test_safe_next(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_form_helpers_give_clear_messages() -> None:
    form = FormData(
        [
            ("n", "12"),
            ("bad", "x1"),
            ("ids", "1"),
            ("ids", "3"),
            ("sev", "P9"),
            ("box", "on"),
            ("long", "abcdef"),
        ]
    )
    assert int_field(form, "n") == 12 and int_field(form, "missing") is None
    assert int_list(form, "ids") == [1, 3]
    assert checkbox(form, "box") and not checkbox(form, "n")
    with pytest.raises(ValidationFailed, match="bad must be a number"):
        int_field(form, "bad")
    with pytest.raises(ValidationFailed, match="sev must be one of: P1, P2, P3, P4"):
        enum_field(form, "sev", Severity)
    with pytest.raises(ValidationFailed, match="longer than 3"):
        text_field(form, "long", 3)


def test_split_parts_reads_only_ticked_rows() -> None:
    form = FormData(
        [
            ("part-0-include", "on"),
            ("part-0-title", "SSO loop"),
            ("part-0-area", "sso-auth"),
            ("part-0-description", "d"),
            ("part-1-title", "OOM"),
            ("part-1-area", "performance-memory"),
        ]
    )
    parts = split_parts(form)
    assert [(p.title, p.area) for p in parts] == [("SSO loop", ComponentArea.SSO_AUTH)]
    with pytest.raises(ValidationFailed, match="tick at least one"):
        split_parts(FormData([("part-0-title", "x")]))
