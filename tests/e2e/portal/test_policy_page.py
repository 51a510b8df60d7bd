"""The security policy pages in Chromium: the admin sets it, the case shows adjusted targets,
support sees the report, a support manager exports the audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from engage.domain.policy import PSEUDONYM_KINDS
from engage.services import policy as policy_svc

pytestmark = pytest.mark.browser


@pytest.fixture
def restore_globex(live_server: Any) -> Iterator[int]:
    """The test changes Globex's policy; put the default back afterwards."""
    engage = live_server.engage
    with engage.uow() as uow:
        org = uow.orgs.by_slug("globex")
        org_id = org.id
    yield org_id
    with engage.uow() as uow:
        org = uow.orgs.get(org_id)
        org.policy = {}
        uow.commit()
        policy_svc._refresh_open_cases(uow, engage.clock, org_id)
        uow.commit()


def test_admin_sets_policy_and_case_shows_adjusted_targets(
    page: Any, sign_in: Any, restore_globex: int
) -> None:
    org_id = restore_globex
    sign_in(page, "gina@globex.example")
    page.get_by_role("link", name="Security policy").click()
    assert page.url.endswith(f"/orgs/{org_id}/policy")
    page.get_by_label("Findings only").check()
    page.get_by_label("Screen sharing allowed").uncheck()
    page.get_by_role("button", name="Save policy").click()
    assert "Security policy saved" in page.get_by_role("status").inner_text()
    effects = page.locator("ul.turnaround").inner_text()
    assert "only analyzer findings may be shared" in effects
    assert "screen sharing is not allowed" in effects
    page.get_by_label("Keep files for (days)").fill("0")
    page.get_by_role("button", name="Save policy").click()  # the browser refuses (min=1)
    assert page.get_by_label("Keep files for (days)").evaluate("e => e.validity.rangeUnderflow")
    page.goto("/cases")
    page.locator("table a").first.click()
    notes = page.locator("ul.sla-notes").inner_text()
    assert "next-update and resolution targets are adjusted" in notes


def test_admin_chooses_pseudonyms_one_checkbox_per_kind(
    page: Any, sign_in: Any, live_server: Any, restore_globex: int
) -> None:
    org_id = restore_globex
    sign_in(page, "gina@globex.example")
    page.goto(f"/orgs/{org_id}/policy")
    group = page.get_by_role("group", name="Pseudonyms in uploads")
    boxes = group.get_by_role("checkbox")
    assert boxes.count() == len(PSEUDONYM_KINDS)
    assert all(not boxes.nth(i).is_checked() for i in range(boxes.count()))
    ips = group.get_by_role("checkbox", name="IP addresses")
    assert "IPv4 and IPv6" in ips.evaluate(
        "e => document.getElementById(e.getAttribute('aria-describedby')).textContent"
    )
    assert "Kept" in page.locator("dl.policy-effects").inner_text()
    ips.check()
    group.get_by_role("checkbox", name="Host and node names").check()
    page.get_by_role("button", name="Save policy").click()
    assert "Security policy saved" in page.get_by_role("status").inner_text()
    effects = page.locator("dl.policy-effects").inner_text()
    assert (
        "Replaced by pseudonyms when engage redacts a file: IP addresses, host and node names"
        in (effects)
    )
    group = page.get_by_role("group", name="Pseudonyms in uploads")
    assert group.get_by_role("checkbox", name="IP addresses").is_checked()
    assert not group.get_by_role("checkbox", name="E-mail addresses").is_checked()
    with live_server.engage.uow() as uow:
        stored = uow.orgs.get(org_id).policy
        audit = [e.data for e in uow.audit.entries(org_id) if e.kind == "policy_changed"]
    assert stored["pseudonymize"] == ["ips", "hostnames"]
    assert audit[-1]["changes"] == {"pseudonymize": {"from": [], "to": ["ips", "hostnames"]}}
    group.get_by_role("checkbox", name="IP addresses").uncheck()
    group.get_by_role("checkbox", name="Host and node names").uncheck()
    page.get_by_role("button", name="Save policy").click()
    assert "Kept" in page.locator("dl.policy-effects").inner_text()
    with live_server.engage.uow() as uow:
        assert uow.orgs.get(org_id).policy["pseudonymize"] == []


def test_support_report_and_manager_export(page: Any, sign_in: Any, live_server: Any) -> None:
    sign_in(page, "maria@support.example")
    page.goto("/policy")
    assert page.url.endswith("/reports/policy")
    assert page.get_by_role("table", name="Cases by policy restrictions").is_visible()
    page.get_by_role("link", name="Acme Retail").click()
    with page.expect_download() as dl:
        page.get_by_role("link", name="CSV").click()
    assert dl.value.suggested_filename.startswith("audit-org-")
    assert page.get_by_role("button", name="Save policy").count() == 0  # support cannot edit


def test_customer_member_cannot_edit_or_see_other_org(
    page: Any, sign_in: Any, live_server: Any
) -> None:
    sign_in(page, "bob@acme.example")
    page.goto("/policy")
    assert page.get_by_role("button", name="Save policy").count() == 0
    with live_server.engage.uow() as uow:
        globex = uow.orgs.by_slug("globex").id
    response = page.goto(f"/orgs/{globex}/policy")
    assert response.status == 404
