"""One Chromium flow: support proposes, the customer picks, joins, prepares; support disengages."""

from __future__ import annotations

from typing import Any

import icalendar
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ALICE = "alice@acme.example"
SAM = "sam@support.example"


def test_propose_pick_join_agenda_disengage(
    browser: Any, live_server: Any, page: Any, sign_in: Any, open_case_as: Any, wired: Any
) -> None:
    google, inbox = wired
    case_id = open_case_as(
        ALICE,
        "Cloud costs missing after IAM role rotation",
        "Athena queries fail with AccessDenied since we rotated the role.",
    )
    sessions = f"/cases/{case_id}/sessions"

    # Support plans the session and proposes times from everyone's working hours.
    sign_in(page, SAM)
    page.goto(sessions)
    page.get_by_label("Topic").fill("Walk through the Athena integration")
    page.get_by_role("button", name="Plan session").click()
    expect(page.get_by_role("status")).to_contain_text("planned (Google Meet)")
    card = page.locator("article.session").first
    expect(card).to_contain_text("Proposed")
    card.get_by_role("button", name="Find free times").click()
    expect(card.locator("input[name=start]")).not_to_have_count(0)
    expect(page.get_by_role("status")).to_contain_text("the customer can now pick one")

    # The customer picks the first proposed time and gets the join link and the invite.
    customer = browser.new_context(base_url=live_server.url).new_page()
    sign_in(customer, ALICE)
    customer.goto(sessions)
    mine = customer.locator("article.session").first
    expect(mine.get_by_role("group", name="Pick a time that suits you")).to_be_visible()
    mine.get_by_role("button", name="Book this time").click()
    expect(mine.locator(".session-status")).to_have_text("Booked")
    expect(customer.get_by_role("status")).to_contain_text("Everyone gets an invite")
    join = mine.get_by_role("link", name="Join the meeting")
    expect(join).to_have_attribute(
        "href", google.events and next(iter(google.events.values()))["hangoutLink"]
    )
    ics = customer.request.get(
        mine.get_by_role("link", name="Add to calendar (.ics)").get_attribute("href")
    )
    assert ics.ok and ics.headers["content-type"].startswith("text/calendar")
    event = icalendar.Calendar.from_ical(ics.body()).walk("VEVENT")[0]
    assert event["LOCATION"] == join.get_attribute("href")
    assert any(s.startswith("Kubecost support session") for s in inbox.subjects)

    # The agenda: the customer adds a task and confirms they are ready.
    mine.get_by_label("New task").fill("Share the cloud-cost pod logs")
    mine.get_by_role("button", name="Add task").click()
    expect(mine.locator(".agenda")).to_contain_text("Share the cloud-cost pod logs")
    mine.get_by_role("button", name="I'm ready for this session").click()
    expect(mine.locator(".participants")).to_contain_text("Ready")

    # Support starts the session, ticks the task off, and disengages once none is active.
    page.goto(sessions)
    card.get_by_role("button", name="Start session").click()
    # booked for later than now: engage asks before starting early
    expect(card.locator(".start-warning")).to_contain_text("booked to start in")
    card.get_by_role("button", name="Start anyway").click()
    expect(page.get_by_role("status")).to_contain_text("Session started")
    expect(card.get_by_role("button", name="Disengage (continue internally)")).to_have_count(0)
    card.get_by_role("button", name="Mark Share the cloud-cost pod logs done").click()
    card.get_by_role("button", name="Disengage (continue internally)").click()
    expect(card.locator(".session-status")).to_have_text("Disengaged")
    expect(page.get_by_role("status")).to_contain_text("support continues on the case")
    expect(card.locator(".session-note")).to_contain_text("continuing investigation internally")
    page.goto(f"/cases/{case_id}")
    expect(page.locator(".case-head .badges")).to_contain_text("Waiting on support")
    expect(page.locator("#timeline")).to_contain_text("session disengaged")
    customer.context.close()
