"""The portal's API tokens page and the case upload token on the diagnostics page."""

from __future__ import annotations

import re

import httpx
from fastapi.testclient import TestClient

from tests.integration.conftest import World
from tests.integration.security.test_sign_in import PASSWORD, _browser, _login, person

__all__ = ["person"]  # the fixture, shared with the sign-in tests


def _csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


def _signed_in(world: World, email: str) -> TestClient:
    browser = _browser(world)
    assert _login(browser, email, PASSWORD).status_code == 303
    return browser


def test_tokens_page_creates_shows_once_and_revokes(world: World, person: str) -> None:
    browser = _signed_in(world, person)
    page = browser.get("/tokens")
    assert page.status_code == 200 and "You have no tokens yet" in page.text
    made = browser.post(
        "/tokens", data={"csrf_token": _csrf(page), "name": "laptop", "expires_in_days": "30"}
    )
    assert made.status_code == 201
    secret = re.search(r'<pre id="new-token-secret">(eng_[^<]+)</pre>', made.text)
    assert secret is not None
    api = TestClient(browser.app, headers={"Authorization": f"Bearer {secret.group(1)}"})
    assert api.get("/api/v1/cases").status_code == 200
    again = browser.get("/tokens")
    assert secret.group(1) not in again.text and "laptop" in again.text
    token_id = re.search(r'action="/tokens/(\d+)/revoke"', again.text)
    assert token_id is not None
    revoked = browser.post(f"/tokens/{token_id.group(1)}/revoke", data={"csrf_token": _csrf(again)})
    assert revoked.status_code == 303
    assert api.get("/api/v1/cases").status_code == 401


def test_upload_token_from_the_diagnostics_page(world: World, person: str) -> None:
    browser = _signed_in(world, person)
    case_id = (
        world["admin_a"].client.post("/api/v1/cases", json={"title": "x"}).json()["case"]["id"]
    )
    page = browser.get(f"/cases/{case_id}/diagnostics")
    assert page.status_code == 200 and f'action="/cases/{case_id}/upload-token"' in page.text
    made = browser.post(f"/cases/{case_id}/upload-token", data={"csrf_token": _csrf(page)})
    assert made.status_code == 201
    assert f"engage collect --all-contexts --case {case_id} --upload" in made.text
    secret = re.search(r"ENGAGE_TOKEN=(eng_\S+)", made.text)
    assert secret is not None
    api = TestClient(browser.app, headers={"Authorization": f"Bearer {secret.group(1)}"})
    assert api.get(f"/api/v1/cases/{case_id}/diagnostic-requests").status_code == 200
    assert api.get(f"/api/v1/cases/{case_id}").status_code == 403
