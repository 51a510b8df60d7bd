"""Portal sign-in: throttled with 429 + Retry-After, sign-out ends every session of the user,
Secure cookies over https (directly or through a trusted proxy)."""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import delete

from engage.adapters.db import tables as t
from engage.domain.users import Role
from engage.server import create_app
from engage.services import orgs
from tests.integration.concurrency.conftest import free_port
from tests.integration.conftest import World

PASSWORD = "correct horse battery"


@pytest.fixture
def person(world: World) -> str:
    """A customer with a password; the throttle's counters start empty."""
    with world.engage.engine.begin() as conn:
        conn.execute(delete(t.rate_limits))
    email = f"pw-{uuid.uuid4().hex[:8]}@x.example"
    with world.engage.uow() as uow:
        orgs.create_user(
            uow,
            world.engage.clock,
            actor=None,
            email=email,
            name="Pat",
            role=Role.CUSTOMER_ADMIN,
            org_id=world.org_a,
            password=PASSWORD,
        )
    return email


def _browser(world: World, base_url: str = "http://testserver") -> TestClient:
    return TestClient(create_app(world.engage), base_url=base_url, follow_redirects=False)


def _login(client: TestClient, email: str, password: str) -> httpx.Response:
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    form = {"email": email, "password": password, "csrf_token": csrf.group(1), "next": "/cases"}
    return client.post("/login", data=form)


def test_guessing_is_throttled_with_retry_after(world: World, person: str) -> None:
    browser = _browser(world)
    codes = [_login(browser, person, f"wrong-{i}").status_code for i in range(5)]
    assert codes == [401] * 5
    blocked = _login(browser, person, PASSWORD)  # even the right password waits now
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60
    other = _login(_browser(world), "nobody@x.example", "whatever-else")
    assert other.status_code == 401  # another account from the same address is not blocked


def test_a_correct_password_clears_the_account_count(world: World, person: str) -> None:
    browser = _browser(world)
    for i in range(4):
        assert _login(browser, person, f"wrong-{i}").status_code == 401
    assert _login(browser, person, PASSWORD).status_code == 303
    for i in range(4):
        assert _login(_browser(world), person, f"again-{i}").status_code == 401


def test_sign_out_ends_every_session_of_the_user(world: World, person: str) -> None:
    first, second = _browser(world), _browser(world)
    assert _login(first, person, PASSWORD).status_code == 303
    assert _login(second, person, PASSWORD).status_code == 303
    saved = dict(first.cookies)
    assert first.get("/cases").status_code == 200
    page = first.get("/logout")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    assert first.post("/logout", data={"csrf_token": csrf.group(1)}).status_code == 303
    replay = _browser(world)
    replay.cookies.update(saved)
    assert replay.get("/cases").status_code == 303  # the saved cookie no longer opens pages
    assert second.get("/cases").status_code == 303  # nor does the other session


def test_session_cookie_is_secure_over_https(world: World, person: str) -> None:
    plain = _login(_browser(world), person, PASSWORD)
    assert "secure" not in plain.headers["set-cookie"].lower()
    https = _login(_browser(world, "https://testserver"), person, PASSWORD)
    assert "; secure" in https.headers["set-cookie"].lower()


@pytest.fixture
def proxied_url(world: World) -> Iterator[str]:
    """The app behind uvicorn trusting X-Forwarded-Proto from 127.0.0.1 (as `engage serve`)."""
    port = free_port()
    config = uvicorn.Config(
        create_app(world.engage),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_secure_cookie_behind_a_trusted_tls_proxy(proxied_url: str) -> None:
    with httpx.Client(base_url=proxied_url) as client:
        direct = client.get("/login")
    with httpx.Client(base_url=proxied_url) as client:
        proxied = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert direct.status_code == 200, (direct.status_code, dict(direct.headers))
    assert "secure" not in direct.headers["set-cookie"].lower()
    assert "; secure" in proxied.headers["set-cookie"].lower()
