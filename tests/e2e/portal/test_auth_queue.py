"""Sign-in, the case queue and who sees what, in headless Chromium."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ALICE = "alice@acme.example"  # Acme customer admin, America/New_York
SAM = "sam@support.example"  # support engineer, Europe/London


def queue_ids(page: Any) -> list[int]:
    """Case ids in the queue table, top to bottom."""
    return [
        int(x)
        for x in page.locator("table.queue tbody tr").evaluate_all(
            "rows => rows.map(r => r.dataset.caseId)"
        )
    ]


def test_signed_out_visitor_signs_in_and_lands_where_they_were_going(
    page: Any, sign_in: Any
) -> None:
    page.goto("/cases/1")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fcases%2F1$"))
    page.get_by_label("E-mail").fill(ALICE)
    page.get_by_label("Password").fill("engage-demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/cases/1$"))
    expect(page.get_by_role("banner")).to_contain_text("Alice Admin")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto("/cases")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_wrong_password_is_refused_with_a_message(page: Any, sign_in: Any) -> None:
    sign_in(page, ALICE, "not-the-password")
    expect(page.get_by_role("alert")).to_have_text("wrong e-mail or password")
    expect(page.get_by_label("E-mail")).to_have_value(ALICE)
    page.goto("/cases")
    expect(page).to_have_url(re.compile(r"/login"))


def test_customer_queue_shows_only_their_organisation(
    page: Any, sign_in: Any, live_server: Any
) -> None:
    sign_in(page, ALICE)
    ids = queue_ids(page)
    assert 2 in ids and 3 not in ids  # 3 is Globex's P1
    with live_server.engage.uow() as uow:
        assert {uow.cases.get(i).org_id for i in ids} == {uow.users.by_email(ALICE).org_id}
    expect(page.locator("table.queue thead")).not_to_contain_text("Organisation")
    page.goto("/cases?q=Aggregator+stuck+ingesting")
    expect(page.locator("#results")).to_contain_text("No cases match")


def test_customer_gets_not_found_for_another_organisations_case(page: Any, sign_in: Any) -> None:
    sign_in(page, ALICE)
    response = page.goto("/cases/3")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_contain_text("Not found")
    expect(page.locator("main")).not_to_contain_text("Aggregator stuck")
    assert page.goto("/cases/3/split").status == 404


def test_support_queue_is_sorted_by_sla_due_and_shows_flags(page: Any, sign_in: Any) -> None:
    sign_in(page, SAM)
    assert {2, 3} <= set(queue_ids(page))
    dues = page.locator("table.queue tbody tr td:last-child time").evaluate_all(
        "ts => ts.map(t => t.getAttribute('datetime'))"
    )
    assert dues == sorted(dues)  # cases without a due time (paused) come after these
    page.goto("/cases?status=waiting_on_customer")
    row1 = page.locator('tr[data-case-id="1"]')
    expect(row1).to_contain_text("SLA paused")  # waiting on the customer
    expect(row1).to_contain_text("Acme Retail")


def test_queue_filters_update_live_and_keep_the_url(page: Any, sign_in: Any) -> None:
    sign_in(page, SAM)
    page.locator("summary", has_text="Severity").click()  # filters fold into compact menus
    page.get_by_label("P1").check()
    page.wait_for_url(re.compile(r"severity=P1"))
    expect(page.locator('tr[data-case-id="2"]')).to_have_count(0)
    assert 3 in queue_ids(page)
    page.get_by_label("P1").uncheck()
    page.locator("summary", has_text="Status").click()
    page.get_by_label("Waiting on customer").check()
    page.wait_for_url(re.compile(r"status=waiting_on_customer"))
    expect(page.locator('tr[data-case-id="3"]')).to_have_count(0)
    assert 1 in queue_ids(page)
    page.get_by_label("Waiting on customer").uncheck()
    page.get_by_label("Assignee").select_option(label="Unassigned")
    page.wait_for_url(re.compile(r"assignee=none"))
    expect(page.locator('tr[data-case-id="1"]')).to_have_count(0)  # assigned to Sam


def test_full_text_search_as_you_type(page: Any, sign_in: Any, open_case_as: Any) -> None:
    wanted = open_case_as(
        ALICE,
        "Grafana dashboards empty",
        "The kubecost-grafana pod logs quokkaflux datasource errors.",
    )
    sign_in(page, SAM)
    page.get_by_label("Search").fill("quokkaflux")
    page.wait_for_url(re.compile(r"q=quokkaflux"))
    expect(page.locator("table.queue tbody tr")).to_have_count(1)
    assert queue_ids(page) == [wanted]
    page.get_by_label("Search").fill("zebrafish-nowhere")
    expect(page.locator("#results")).to_contain_text("No cases match")


def test_filters_work_without_javascript(
    browser: Any, live_server: Any, sign_in: Any, open_case_as: Any
) -> None:
    wanted = open_case_as(ALICE, "Forecast page errors", "Forecasting returns wombatix 502s.")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, SAM)
        page.get_by_label("Search").fill("wombatix")
        page.locator("summary", has_text="Severity").click()
        page.get_by_label("P3").check()
        page.get_by_role("button", name="Apply filters").click()
        expect(page).to_have_url(re.compile(r"q=wombatix&severity=P3"))
        assert queue_ids(page) == [wanted]
        page.get_by_label("P3").uncheck()
        page.get_by_label("P1").check()
        page.get_by_role("button", name="Apply filters").click()
        expect(page.locator("#results")).to_contain_text("No cases match")
    finally:
        context.close()


def test_at_risk_filter_shows_cases_whose_sla_is_running_out(
    page: Any, sign_in: Any, live_server: Any, open_case_as: Any
) -> None:
    urgent = open_case_as(
        ALICE,
        "Allocation API returns 500 for every namespace",
        "GET /model/allocation returns 500 since this morning.",
        "P1",
    )
    sign_in(page, SAM)
    page.goto("/cases?at_risk=on")
    assert urgent not in queue_ids(page)  # just opened: 60 minutes to first response
    with live_server.clock.shifted(minutes=50):  # past 75% of the P1 first-response target
        page.goto("/cases?at_risk=on")
        expect(page.get_by_label("SLA at risk or breached")).to_be_checked()
        ids = queue_ids(page)
        assert urgent in ids
        assert 2 not in ids  # P3 in business hours: far from its target
        for row in page.locator("table.queue tbody tr").all():
            expect(row).to_contain_text(re.compile(r"SLA (at risk|breached)"))


def test_every_form_control_has_a_label(page: Any, sign_in: Any) -> None:
    sign_in(page, SAM)
    for path in ("/cases", "/cases/1", "/cases/2", "/cases/new", "/cases/2/split"):
        page.goto(path)
        unlabelled = page.evaluate("""() => [...document.querySelectorAll(
            'input:not([type=hidden]), select, textarea')]
            .filter(el => el.labels.length === 0 && !el.getAttribute('aria-label'))
            .map(el => el.name || el.id)""")
        assert unlabelled == [], f"{path}: {unlabelled}"
        assert page.locator("main").count() == 1
        assert page.locator("h1").count() == 1


def test_pages_load_without_console_errors_under_the_csp(page: Any, sign_in: Any) -> None:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    sign_in(page, SAM)
    for path in ("/cases", "/cases/2", "/cases/new"):
        response = page.goto(path)
        assert response is not None
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    page.get_by_label("Title").fill("Savings page empty")
    page.get_by_label("Description").fill("The Savings page shows no recommendations since Monday.")
    page.get_by_label("Description").press("End")
    expect(page.locator("#scope-result .scope-verdict")).to_be_visible()
    page.goto("/cases/2")
    page.get_by_role("link", name="Split case…").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    assert problems == []


def test_queue_pages_through_results(page: Any, sign_in: Any, live_server: Any) -> None:
    from engage.domain.cases import Severity
    from engage.services.cases import open_case

    engage = live_server.engage
    with engage.uow() as uow:  # Globex, so Acme's queue stays as the other tests expect
        gina = uow.users.by_email("gina@globex.example")
        for n in range(27):
            open_case(
                uow,
                engage.clock,
                actor=gina,
                title=f"Pagingprobe report {n}",
                description="Scheduled report pagingprobe arrives empty.",
                severity=Severity.P4,
            )
    sign_in(page, SAM)
    page.goto("/cases?q=pagingprobe")
    expect(page.locator(".count")).to_contain_text("Showing 1–25 of 27")
    expect(page.locator("table.queue tbody tr")).to_have_count(25)
    page.get_by_role("link", name="Next").click()
    expect(page).to_have_url(re.compile(r"q=pagingprobe&page=2$"))
    expect(page.locator("table.queue tbody tr")).to_have_count(2)
    expect(page.locator(".pager")).to_contain_text("Page 2 of 2")
    page.get_by_role("link", name="Previous").click()
    expect(page.locator("table.queue tbody tr")).to_have_count(25)
