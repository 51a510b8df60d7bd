"""A meeting link that cannot be made is explained on the session, with a retry and the
customer's own link as fallback; the customer reads a plain sentence instead of a stack."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ALICE = "alice@acme.example"
SAM = "sam@support.example"


def test_failed_link_shows_why_and_falls_back_to_the_customers_link(
    browser: Any, live_server: Any, page: Any, sign_in: Any, open_case_as: Any, wired: Any
) -> None:
    google, _ = wired
    google.revoke_token()  # every Calendar call now answers 401
    case_id = open_case_as(ALICE, "Network costs all zero", "The network-costs daemonset runs.")
    sessions = f"/cases/{case_id}/sessions"
    sign_in(page, SAM)
    page.goto(sessions)
    page.get_by_label("Topic").fill("Check the network-costs config")
    page.get_by_role("button", name="Plan session").click()
    card = page.locator("article.session").first
    card.get_by_role("button", name="Find free times").click()
    expect(card.locator("input[name=start]")).not_to_have_count(0)

    customer = browser.new_context(base_url=live_server.url).new_page()
    sign_in(customer, ALICE)
    customer.goto(sessions)
    customer.get_by_role("button", name="Book this time").click()
    expect(customer.locator(".link-problem")).to_contain_text("support has been told")
    expect(customer.locator(".link-problem")).not_to_contain_text("401")

    page.goto(sessions)
    problem = card.locator(".link-problem")
    expect(problem).to_contain_text("The Google Meet link could not be created.")
    problem.get_by_role("button", name="Try again").click()
    expect(card.locator(".error")).to_contain_text("still could not be created")
    card.get_by_label("Or use the customer's own meeting link").fill(
        "https://meet.acme.example/network"
    )
    card.get_by_role("button", name="Use this link").click()
    expect(page.get_by_role("status")).to_contain_text("Meeting link ready")
    expect(card.get_by_role("link", name="Join the meeting")).to_have_attribute(
        "href", "https://meet.acme.example/network"
    )
    customer.context.close()
