"""Browser fixtures: the Debian Chromium driven by Playwright, a screenshot on failure."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _browser_missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    return None


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Remember each phase's outcome on the test item, so fixtures can see a failure."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium from the OS package (Playwright never downloads one here)."""
    missing = _browser_missing()
    if missing:
        if os.environ.get("ENGAGE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests required but {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context (no cookies) on the live server; screenshots when a test fails."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()


@pytest.fixture
def sign_in(live_server: Any) -> Any:
    """`sign_in(page, email)`: sign in through the form as a demo user."""
    def do(page: Any, email: str, password: str | None = None) -> None:
        page.goto("/login")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password").fill(password or live_server.demo.password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
    return do


@pytest.fixture
def open_case_as(live_server: Any) -> Any:
    """`open_case_as(email, title, description, severity="P3") -> case id`, through the service."""
    from engage.domain.cases import Severity
    from engage.services.cases import open_case

    def do(email: str, title: str, description: str, severity: str = "P3") -> int:
        engage = live_server.engage
        with engage.uow() as uow:
            user = uow.users.by_email(email)
            assert user is not None
            case, _ = open_case(uow, engage.clock, actor=user, title=title,
                                description=description, severity=Severity(severity))
            assert case.id is not None
            return case.id
    return do
