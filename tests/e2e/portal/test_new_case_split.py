"""Open a case with the live scope check, and split multi-issue cases into linked cases."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

BOB = "bob@acme.example"
SAM = "sam@support.example"
TWO_ISSUES_TITLE = "Okta SSO loop and cost-model OOMKilled"
TWO_ISSUES = (
    "Two problems since we moved to 2.8.2.\n\n"
    "First, SSO: after signing in with Okta the browser returns to the Kubecost login page "
    "again and again; the SAML assertion looks valid.\n\n"
    "Separately, the cost-model container is OOMKilled several times a day with a 6Gi memory "
    "limit on our largest cluster."
)
ONE_ISSUE = (
    "Since the upgrade the Cloud Costs page is empty for our GCP billing account. The "
    "cloud-cost pod logs show: ERR CloudCost: BigQuery: Access Denied: Table billing_export.\n"
    "1. Open Cloud Costs\n2. Pick last 7 days\n3. Nothing shows"
)


def fill_new_case(page: Any, title: str, description: str) -> None:
    """Type like a person: keyup events are what trigger the live scope check."""
    page.goto("/cases/new")
    page.get_by_label("Title").press_sequentially(title[:20])
    page.get_by_label("Title").fill(title)
    page.get_by_label("Description").fill(description)
    page.get_by_label("Description").press("End")


def test_scope_check_runs_as_you_type(page: Any, sign_in: Any) -> None:
    sign_in(page, BOB)
    fill_new_case(page, "Cloud Costs empty for GCP", ONE_ISSUE)
    verdict = page.locator("#scope-result .scope-verdict")
    expect(verdict).to_have_attribute("data-verdict", "single")
    expect(verdict).to_contain_text("Cloud costs")
    page.get_by_label("Title").fill(TWO_ISSUES_TITLE)
    page.get_by_label("Description").fill(TWO_ISSUES)
    page.get_by_label("Description").press("End")
    expect(verdict).to_have_attribute("data-verdict", "multi")
    expect(verdict).to_contain_text("2 separate issues")
    expect(verdict.locator("ol.parts li")).to_have_count(2)
    expect(verdict).to_contain_text("Separately")  # the reason names what it saw


def test_multi_issue_case_is_split_in_one_click(page: Any, sign_in: Any) -> None:
    sign_in(page, BOB)
    fill_new_case(page, TWO_ISSUES_TITLE, TWO_ISSUES)
    page.get_by_label("Severity").select_option("P2")
    page.get_by_role("button", name="Open case").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+\?intake=1$"))
    original = int(re.search(r"/cases/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    warning = page.locator("#intake-warning")
    expect(warning).to_contain_text("2 separate issues")
    page.get_by_role("button", name="Split into 2 cases").click()
    expect(page).to_have_url(re.compile(rf"/cases/{original}#links$"))
    expect(page.get_by_role("status")).to_contain_text("Split into case #")
    links = page.locator("#links li")
    expect(links).to_have_count(2)
    expect(links.first).to_contain_text("Split into")
    areas = set()
    for href in links.locator("a").evaluate_all("as => as.map(a => a.getAttribute('href'))"):
        page.goto(href)
        expect(page.locator("#links")).to_contain_text(f"Split from #{original}")
        expect(page.locator("#sla tr.clock-first_response")).to_contain_text("Running")
        expect(page.locator(".case-head .badges")).to_contain_text("P2")
        areas.add(page.locator(".details dd").nth(1).inner_text())
    assert areas == {"SSO / auth", "Performance / memory"}


def test_support_splits_a_case_through_the_dialog(
    page: Any, sign_in: Any, open_case_as: Any
) -> None:
    case_id = open_case_as(BOB, TWO_ISSUES_TITLE, TWO_ISSUES)
    sign_in(page, SAM)
    page.goto(f"/cases/{case_id}")
    expect(page.locator("#split")).to_contain_text("found 2 separate issues")
    page.get_by_role("link", name="Split case…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Title").first.fill("Okta sign-in loops back to the login page")
    dialog.locator("#part-1-include").uncheck()
    dialog.get_by_role("button", name="Create linked cases").click()
    expect(page.locator("#links li")).to_have_count(1)
    link = page.locator("#links li a")
    expect(link).to_contain_text("Okta sign-in loops back to the login page")
    expect(page.locator("#timeline")).to_contain_text("split out case #")
    link.click()
    expect(page.locator("#case-title")).to_have_text("Okta sign-in loops back to the login page")
    expect(page.locator("#links")).to_contain_text(f"Split from #{case_id}")


def test_split_with_nothing_ticked_explains_why(page: Any, sign_in: Any, open_case_as: Any) -> None:
    case_id = open_case_as(BOB, TWO_ISSUES_TITLE, TWO_ISSUES)
    sign_in(page, SAM)
    page.goto(f"/cases/{case_id}")
    page.get_by_role("link", name="Split case…").click()
    dialog = page.get_by_role("dialog")
    for box in dialog.locator("input[type=checkbox]").all():
        box.uncheck()
    dialog.get_by_role("button", name="Create linked cases").click()
    expect(page.locator("#split-error")).to_contain_text("tick at least one part")
    expect(page.locator("#links li")).to_have_count(0)


def test_new_case_form_keeps_input_and_explains_errors(page: Any, sign_in: Any) -> None:
    sign_in(page, SAM)  # support must choose the organisation
    page.goto("/cases/new")
    page.get_by_label("Title").fill("Reports page times out")
    page.get_by_label("Description").fill("The saved reports page spins for 60 s then 504s.")
    page.locator("#org_id").evaluate("s => s.removeAttribute('required')")
    page.get_by_role("button", name="Open case").click()
    expect(page.locator("#form-error")).to_contain_text("organisation")
    expect(page.get_by_label("Title")).to_have_value("Reports page times out")
    page.get_by_label("Organisation").select_option(label="Acme Retail")
    page.get_by_label("Environment").select_option(label="prod")
    page.get_by_role("button", name="Open case").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    expect(page.locator(".details")).to_contain_text("prod")
    expect(page.locator("#intake-warning")).to_have_count(0)


def test_open_and_split_without_javascript(browser: Any, live_server: Any, sign_in: Any) -> None:
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, BOB)
        page.goto("/cases/new")
        page.get_by_label("Title").fill(TWO_ISSUES_TITLE)
        page.get_by_label("Description").fill(TWO_ISSUES)
        page.get_by_role("button", name="Open case").click()
        expect(page.locator("#intake-warning")).to_be_visible()
        page.get_by_role("link", name="Review the parts first").click()
        expect(page).to_have_url(re.compile(r"/cases/\d+/split$"))
        page.get_by_role("button", name="Create linked cases").click()
        expect(page.locator("#links li")).to_have_count(2)
    finally:
        context.close()
