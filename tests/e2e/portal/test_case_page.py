"""The case page: internal notes, comments, transitions, assignment, stale edits, SLA clocks."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from engage.services.cases import get_case

pytestmark = pytest.mark.browser

ALICE = "alice@acme.example"
BOB = "bob@acme.example"
SAM = "sam@support.example"
NOTE = "Probably the role trust policy; check the Athena workgroup."


def test_customer_never_sees_internal_notes(page: Any, sign_in: Any) -> None:
    sign_in(page, ALICE)
    page.goto("/cases/1")
    expect(page.locator("#comments")).to_contain_text("Could you send the cloud-cost pod logs")
    expect(page.locator("main")).not_to_contain_text(NOTE)
    expect(page.locator("main")).not_to_contain_text("internal note")
    expect(page.get_by_label("Internal note (only support sees it)")).to_have_count(0)


def test_support_sees_internal_notes_styled_apart(page: Any, sign_in: Any) -> None:
    sign_in(page, SAM)
    page.goto("/cases/1")
    note = page.locator("article.comment.internal")
    expect(note).to_have_count(1)
    expect(note).to_contain_text(NOTE)
    expect(note).to_contain_text("Internal note")
    public = page.locator("article.comment:not(.internal)")
    assert public.evaluate("e => getComputedStyle(e).borderStyle") != note.evaluate(
        "e => getComputedStyle(e).borderStyle"
    )


def test_reply_and_internal_note_reach_the_right_people(
    browser: Any, live_server: Any, page: Any, sign_in: Any, open_case_as: Any
) -> None:
    case_id = open_case_as(
        BOB,
        "Network costs show zero for cross-zone traffic",
        "The network-costs daemonset runs but cross-zone egress is 0.",
    )
    sign_in(page, SAM)
    page.goto(f"/cases/{case_id}")
    page.get_by_label("Reply or note").fill("Is the network-costs config map mounted?")
    page.get_by_role("button", name="Add comment").click()
    expect(page.locator("#comments article.comment")).to_have_count(1)
    page.get_by_label("Reply or note").fill("Customer seems to run Calico in eBPF mode.")
    page.get_by_label("Internal note (only support sees it)").check()
    page.get_by_role("button", name="Add comment").click()
    expect(page.locator("#comments article.comment.internal")).to_contain_text("eBPF mode")
    expect(page.locator("#timeline")).to_contain_text("added an internal note")

    customer = browser.new_context(base_url=live_server.url).new_page()
    try:
        sign_in(customer, BOB)
        customer.goto(f"/cases/{case_id}")
        expect(customer.locator("#comments")).to_contain_text("config map mounted")
        expect(customer.locator("main")).not_to_contain_text("eBPF")
        expect(customer.locator("#timeline")).not_to_contain_text("internal note")
        customer.get_by_label("Your reply").fill("Yes, it is mounted at /etc/network-costs.")
        customer.get_by_role("button", name="Add comment").click()
        expect(customer.locator("#comments article.comment")).to_have_count(2)
    finally:
        customer.context.close()


def test_empty_comment_shows_the_message_next_to_the_form(
    page: Any, sign_in: Any, open_case_as: Any
) -> None:
    case_id = open_case_as(BOB, "Budget alerts are sent twice", "Every budget alert arrives twice.")
    sign_in(page, BOB)
    page.goto(f"/cases/{case_id}")
    page.get_by_label("Your reply").fill("   ")
    page.get_by_role("button", name="Add comment").click()
    expect(page.locator("#comment-error")).to_contain_text("comment must be")


def test_transition_buttons_move_the_case(page: Any, sign_in: Any, open_case_as: Any) -> None:
    case_id = open_case_as(
        BOB,
        "Savings page recommends larger nodes",
        "Right-sizing suggests m5.4xlarge for idle nodes.",
    )
    sign_in(page, SAM)
    page.goto(f"/cases/{case_id}")
    page.get_by_role("button", name="Triage", exact=True).click()
    expect(page.locator(".case-head .badges")).to_contain_text("Triage")
    expect(page.locator("#timeline")).to_contain_text("moved the case from new to triage")
    page.get_by_role("button", name="Ask the customer").click()
    expect(page.get_by_role("status")).to_have_text("Case moved to waiting on customer.")
    expect(page.locator(".case-head .badges")).to_contain_text("Waiting on customer")
    expect(page.locator(".case-head .badges")).to_contain_text("SLA paused")
    expect(page.get_by_role("button", name="Triage", exact=True)).to_have_count(0)


def test_customer_sees_only_customer_transitions(page: Any, sign_in: Any) -> None:
    sign_in(page, ALICE)
    page.goto("/cases/1")  # waiting on customer
    names = page.locator("#status button").all_inner_texts()
    # customers move the case back to support by replying, not with a "Customer replied" button
    assert names == ["Resolve"]


def test_support_assigns_the_case_and_adds_engineers(
    page: Any, sign_in: Any, open_case_as: Any
) -> None:
    case_id = open_case_as(
        BOB,
        "Helm upgrade to 2.9 fails on CRD",
        "helm upgrade fails: CustomResourceDefinition is invalid.",
    )
    sign_in(page, SAM)
    page.goto(f"/cases/{case_id}")
    page.get_by_label("Assignee", exact=True).select_option(label="Maria Manager")
    page.locator("#assignment").get_by_label("Sam Support").check()
    page.get_by_role("button", name="Save assignment").click()
    expect(page.locator("#assignee-name")).to_have_text("Maria Manager")
    expect(page.locator(".details")).to_contain_text("Sam Support")
    expect(page.locator("#timeline")).to_contain_text("assigned the case to Maria Manager")
    expect(page.locator("#timeline")).to_contain_text("set additional engineers: Sam Support")


def test_customer_has_no_assignment_form(page: Any, sign_in: Any) -> None:
    sign_in(page, ALICE)
    page.goto("/cases/1")
    expect(page.locator("#assignment")).to_have_count(0)


def test_stale_edit_says_someone_changed_the_case(
    browser: Any, live_server: Any, page: Any, sign_in: Any, open_case_as: Any
) -> None:
    case_id = open_case_as(BOB, "Idle costs missing in reports", "Idle is 0 in saved reports.")
    other = browser.new_context(base_url=live_server.url).new_page()
    try:
        sign_in(page, SAM)
        sign_in(other, BOB)
        page.goto(f"/cases/{case_id}")
        other.goto(f"/cases/{case_id}")
        other.get_by_text("Edit title and description").click()
        other.locator("#edit-form").get_by_label("Title").fill(
            "Idle costs missing in saved reports"
        )
        other.get_by_role("button", name="Save changes").click()
        expect(other.locator("#case-title")).to_have_text("Idle costs missing in saved reports")

        page.get_by_text("Edit title and description").click()
        page.locator("#edit-form").get_by_label("Description").fill(
            "Idle shows 0 in every saved report since 2.8."
        )
        with page.expect_response(re.compile(rf"/cases/{case_id}/edit$")) as answer:
            page.get_by_role("button", name="Save changes").click()
        assert answer.value.status == 409
        expect(page.locator("#edit-error")).to_contain_text("Someone changed this case")
        expect(page.locator("#edit-form").get_by_label("Description")).to_have_value(
            "Idle shows 0 in every saved report since 2.8."
        )
        expect(page.locator("#case-title")).to_have_text("Idle costs missing in saved reports")
        page.get_by_role("button", name="Save changes").click()  # still stale until reloaded
        expect(page.locator("#edit-error")).to_contain_text("Someone changed this case")
        page.get_by_role("link", name="Reload the case").click()
        expect(page.locator("#edit-form").get_by_label("Description")).to_have_value(
            "Idle is 0 in saved reports."
        )
    finally:
        other.context.close()


def test_sla_clocks_show_state_and_due_time_in_the_viewers_zone(
    live_server: Any, page: Any, sign_in: Any
) -> None:
    engage = live_server.engage
    with engage.uow() as uow:
        sam = uow.users.by_email(SAM)
        clocks = get_case(uow, engage.clock, actor=sam, case_id=2).clocks
    due = {k.value: c.due_at for k, c in clocks.items() if c.due_at}
    assert "first_response" in due
    for email, zone in ((ALICE, "America/New_York"), (SAM, "Europe/London")):
        page.context.clear_cookies()
        sign_in(page, email)
        page.goto("/cases/2")
        sla = page.locator("#sla")
        expect(sla).to_contain_text(f"Times in {zone}")
        row = sla.locator("tr.clock-first_response")
        expect(row).to_contain_text("Running")
        local = due["first_response"].astimezone(ZoneInfo(zone))
        expect(row).to_contain_text(f"{local:%H:%M} {local.tzname()}")
        iso = row.locator("time").get_attribute("datetime")
        assert iso == due["first_response"].isoformat()


def test_status_change_from_a_stale_page_is_refused(
    browser: Any, live_server: Any, page: Any, sign_in: Any, open_case_as: Any
) -> None:
    case_id = open_case_as(BOB, "Kubecost UI blank after SSO change", "Blank page after login.")
    other = browser.new_context(base_url=live_server.url).new_page()
    try:
        sign_in(page, SAM)
        sign_in(other, SAM)
        page.goto(f"/cases/{case_id}")
        other.goto(f"/cases/{case_id}")
        other.get_by_role("button", name="Triage", exact=True).click()
        expect(other.locator(".case-head .badges")).to_contain_text("Triage")
        page.get_by_role("button", name="Close", exact=True).click()
        expect(page.locator("#transition-error")).to_contain_text("Someone changed this case")
        expect(page.locator(".case-head .badges")).to_contain_text("Triage")
    finally:
        other.context.close()
