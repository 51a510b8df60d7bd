"""Every page in both roles, the way a newcomer meets them: no external asset, no serious or
critical axe-core violation, rendered Markdown, only the meeting tools on offer, and a
screenshot of each page in tests/e2e/artifacts/screenshots/ (gitignored) to look at."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from engage.domain.cases import Severity
from engage.services import sessions as session_svc
from engage.services.diagnostics import request_diagnostics

pytestmark = pytest.mark.browser

ALICE = "alice@acme.example"
SAM = "sam@support.example"
AXE = Path(__file__).parents[1] / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = Path(__file__).parents[1] / "artifacts" / "screenshots"
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="module")
def tour_case(live_server: Any) -> Iterator[dict[str, int]]:
    """A case with two diagnostic requests and a planned session, for pages with content."""
    from engage.api.routes.sessions import install_tools
    from engage.services.cases import open_case

    engage = live_server.engage
    with engage.uow() as uow:
        alice, sam = uow.users.by_email(ALICE), uow.users.by_email(SAM)
        assert alice is not None and sam is not None
        case, _ = open_case(
            uow,
            engage.clock,
            actor=alice,
            title="Savings page shows no recommendations",
            description="Since the 2.8 upgrade the Savings page is empty for every cluster.",
            severity=Severity.P3,
        )
        assert case.id is not None
        for kind in ("logs", "helm-values"):
            request_diagnostics(uow, engage.clock, actor=sam, case_id=case.id, kind=kind)
        session_svc.create_session(
            uow,
            engage.clock,
            install_tools(engage),
            actor=sam,
            case_id=case.id,
            topic="Walk through the savings settings",
            custom_url="https://meet.acme.example/support",
        )
        org_id = case.org_id
    yield {"case": case.id, "org": org_id}


def _pages(role: str, ids: dict[str, int]) -> list[tuple[str, str]]:
    c, org = ids["case"], ids["org"]
    common = [
        ("queue", "/cases"),
        ("new-case", "/cases/new"),
        ("case", f"/cases/{c}"),
        ("diagnostics", f"/cases/{c}/diagnostics"),
        ("sessions", f"/cases/{c}/sessions"),
        ("policy", f"/orgs/{org}/policy"),
    ]
    if role == "support":
        return [*common, ("split", "/cases/2/split"), ("policy-report", "/reports/policy")]
    return common


def _external(page: Any, base: str) -> list[str]:
    """Asset URLs in the DOM (scripts, styles, icons, images, frames) not served by engage."""
    urls: list[str] = page.evaluate(
        """() => [...document.querySelectorAll('script[src], link[href], img[src], iframe[src]')]
                 .map(e => e.src || e.href)"""
    )
    host = urlparse(base).netloc
    return [u for u in urls if not u.startswith("data:") and urlparse(u).netloc != host]


def _axe(page: Any) -> list[str]:
    # The portal's CSP forbids inline scripts, so add_script_tag is refused; evaluating the
    # file through the DevTools protocol is not subject to the page's CSP.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
             .map(v => ({id: v.id, impact: v.impact, help: v.help,
                         nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""
    )
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {v['nodes']}"
        for v in found
        if v["impact"] in BLOCKING
    ]


def _visit(page: Any, live_server: Any, name: str, path: str, role: str) -> None:
    requested: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    response = page.goto(path)
    assert response is not None and response.status < 400, (path, response and response.status)
    page.wait_for_load_state("networkidle")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{role}-{name}.png"), full_page=True)
    host = urlparse(live_server.url).netloc
    outside = [u for u in requested if not u.startswith("data:") and urlparse(u).netloc != host]
    assert not outside, f"{path} fetched {outside}"
    assert not _external(page, live_server.url), path
    assert not errors, f"{path}: {errors}"  # CSP refusals and script errors show up here
    problems = _axe(page)
    assert not problems, f"{path}: " + "; ".join(problems)


@pytest.mark.parametrize("role", ["customer", "support"])
def test_every_page_is_self_contained_and_accessible(
    page: Any, sign_in: Any, live_server: Any, tour_case: dict[str, int], role: str
) -> None:
    if role == "customer":
        _visit(page, live_server, "login", "/login", "anonymous")
    sign_in(page, ALICE if role == "customer" else SAM)
    for name, path in _pages(role, tour_case):
        _visit(page, live_server, name, path, role)


def test_api_docs_and_favicon_are_served_by_engage(page: Any, live_server: Any) -> None:
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto("/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("engage")
    expect(page.locator(".opblock").first).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "anonymous-docs.png"))
    host = urlparse(live_server.url).netloc
    assert all(urlparse(u).netloc == host for u in requested if not u.startswith("data:"))
    icon = page.request.get("/favicon.ico")
    assert icon.ok and icon.headers["content-type"] == "image/vnd.microsoft.icon"


def test_instructions_are_rendered_markdown_with_copyable_commands(
    page: Any, sign_in: Any, tour_case: dict[str, int]
) -> None:
    sign_in(page, ALICE)
    page.goto(f"/cases/{tour_case['case']}/diagnostics")
    guide = page.get_by_role("article", name="Container logs").locator(".instructions")
    guide.locator("summary").click()
    md = guide.locator(".md")
    expect(md.locator("pre code").first).to_be_visible()
    expect(md.locator("pre button.copy").first).to_have_text("Copy")
    text = md.inner_text()
    assert "##" not in text and "```" not in text and "**" not in text
    # the still-needed list says which kind of file each item is
    expect(page.locator("#completeness")).to_contain_text("Container logs for")


def test_only_configured_and_allowed_tools_are_offered(
    page: Any, sign_in: Any, tour_case: dict[str, int]
) -> None:
    sign_in(page, SAM)
    page.goto(f"/cases/{tour_case['case']}/sessions")
    offered = page.get_by_label("Meeting tool").locator("option").all_inner_texts()
    # no Google or Zoom credentials on this server: only the customer's own link
    assert offered == ["The customer's own meeting link"]
    card = page.locator("article.session").first
    expect(card).to_contain_text("The customer's own meeting link")
    assert "google_meet" not in page.locator("main").inner_text()


def test_actions_confirm_what_they_did_and_split_ends_the_parent(
    page: Any, sign_in: Any, open_case_as: Any
) -> None:
    parent = open_case_as(
        "bob@acme.example",
        "SAML login loop and AWS cloud costs missing",
        "After Okta sign-in the browser loops back to the login page.\n\n"
        "Separately, the Cloud Costs page shows no AWS spend since the IAM role rotation; "
        "the cloud-cost pod logs show Athena AccessDenied errors.",
    )
    sign_in(page, SAM)
    page.goto(f"/cases/{parent}")
    page.get_by_label("Assignee").select_option(label="Sam Support")
    page.get_by_role("button", name="Save assignment").click()
    expect(page.get_by_role("status")).to_contain_text("Assignment saved: Sam Support")
    page.get_by_label("Reply or note").fill("Looking at both now.")
    page.get_by_role("button", name="Add comment").click()
    expect(page.get_by_role("status")).to_have_text("Comment added.")
    expect(page.locator("#intake-warning")).to_be_visible()  # still offered after opening
    page.locator("#split-now").click()
    expect(page.get_by_role("status")).to_contain_text("Split into case #")
    banner = page.locator("#split-banner")
    expect(banner).to_contain_text("This case was split into 2 cases")
    expect(page.locator(".case-head .badges")).to_contain_text("Closed")
    expect(page.locator(".case-head .badges")).to_contain_text("No SLA clock")
    expect(page.locator("#intake-warning")).to_have_count(0)
    expect(page.locator("#timeline")).to_contain_text("closed the case as split into #")
    child = banner.get_by_role("link").first
    assert re.match(r"/cases/\d+$", child.get_attribute("href") or "")
