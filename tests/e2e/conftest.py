"""End-to-end fixtures: the real app served by uvicorn on a free loopback port, and the
Debian Chromium driven by Playwright (one browser per test run, shared by every e2e folder)."""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from engage.adapters.db.engine import make_engine
from engage.adapters.db.migrate import upgrade
from engage.adapters.jobs.database import DatabaseJobQueue
from engage.bootstrap import Engage, build
from engage.config import Settings
from engage.server import create_app
from engage.services.demo import DemoInfo, load_demo


class ShiftableClock:
    """The real clock plus an offset tests can move (to see SLA clocks run out)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        """Now (UTC) plus the offset."""
        return datetime.now(UTC) + self.offset

    @contextmanager
    def shifted(self, **delta: float) -> Iterator[None]:
        """Move the clock forward for the duration of a `with` block."""
        self.offset += timedelta(**delta)
        try:
            yield
        finally:
            self.offset -= timedelta(**delta)


@dataclass
class LiveServer:
    """A running engage server: its base URL, the container, its clock and the demo data."""

    url: str
    engage: Engage
    clock: ShiftableClock
    demo: DemoInfo

    def wait_for_jobs(self, timeout: float = 60.0) -> None:
        """Wait until the server's job runner has nothing queued or running."""
        counts: dict[str, int] = {}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            counts = self.engage.jobs.counts()  # type: ignore[attr-defined]
            if not counts.get("queued") and not counts.get("running"):
                return
            time.sleep(0.05)
        raise AssertionError(f"jobs still pending after {timeout}s: {counts}")


def serve_in_thread(engage: Engage) -> tuple[uvicorn.Server, threading.Thread, str]:
    """Serve the app for `engage` on a free 127.0.0.1 port from a thread; returns its URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(engage), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    return server, thread, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A migrated SQLite database with the demo loaded, served on 127.0.0.1 for the session."""
    root: Path = tmp_path_factory.mktemp("live-server")
    settings = Settings(database_url=f"sqlite:///{root / 'engage.db'}", data_dir=root / "data")
    clock = ShiftableClock()
    engine = make_engine(settings.database_url)
    queue = DatabaseJobQueue(engine, poll=0.05)
    engage = build(settings, engine=engine, clock=clock, jobs=queue)
    upgrade(engage.engine)
    demo = load_demo(engage.uow(), engage.clock)
    queue.start([], concurrency=2)  # jobs run as in `engage serve`; periodic ones are not needed
    server, thread, url = serve_in_thread(engage)
    try:
        yield LiveServer(url=url, engage=engage, clock=clock, demo=demo)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        queue.stop()
        engage.close()


CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"  # screenshots of failed browser tests (gitignored)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


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
            case, _ = open_case(
                uow,
                engage.clock,
                actor=user,
                title=title,
                description=description,
                severity=Severity(severity),
            )
            assert case.id is not None
            return case.id

    return do
