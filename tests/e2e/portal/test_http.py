"""The portal over plain HTTP: CSRF, redirects, error pages and permissions (no browser)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from engage.services.cases import get_case

ALICE = "alice@acme.example"
SAM = "sam@support.example"


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "page has no CSRF field"
    return found.group(1)


@pytest.fixture
def client(live_server: Any) -> Iterator[httpx.Client]:
    """A cookie-keeping HTTP client that does not follow redirects."""
    with httpx.Client(base_url=live_server.url, follow_redirects=False, timeout=10) as c:
        yield c


def login(
    client: httpx.Client, email: str, password: str = "engage-demo", next_url: str = "/cases"
) -> httpx.Response:
    """Sign in through the form; returns the POST's response."""
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login", data={"csrf_token": token, "email": email, "password": password, "next": next_url}
    )


def comments_on(live_server: Any, case_id: int) -> list[str]:
    """Every comment body of a case, internal ones included."""
    engage = live_server.engage
    with engage.uow() as uow:
        sam = uow.users.by_email(SAM)
        return [c.body for c in get_case(uow, engage.clock, actor=sam, case_id=case_id).comments]


def test_post_without_the_csrf_token_is_refused(client: httpx.Client, live_server: Any) -> None:
    assert login(client, ALICE).status_code == 303
    answer = client.post("/cases/1/comment", data={"body": "forged reply"})
    assert answer.status_code == 403
    assert "security token" in answer.text
    answer = client.post("/cases/1/comment", data={"body": "forged reply", "csrf_token": "x" * 43})
    assert answer.status_code == 403
    assert "forged reply" not in comments_on(live_server, 1)


def test_csrf_token_in_the_htmx_header_is_accepted(client: httpx.Client) -> None:
    login(client, ALICE)
    token = csrf_of(client.get("/cases/new").text)
    answer = client.post(
        "/cases/scope-check",
        headers={"X-CSRF-Token": token},
        data={
            "title": "Athena query fails",
            "description": "Athena returns AccessDenied since Monday",
        },
    )
    assert answer.status_code == 200
    assert 'data-verdict="single"' in answer.text
    assert "<html" not in answer.text  # a fragment for htmx to swap in
    # a title alone is not judged: it waits for a few words of description
    alone = client.post(
        "/cases/scope-check",
        headers={"X-CSRF-Token": token},
        data={"title": "SAML login loop and AWS cloud costs missing", "description": ""},
    )
    assert "data-verdict" not in alone.text and "a few words more" in alone.text


def test_login_form_itself_needs_the_token(client: httpx.Client) -> None:
    client.get("/login")
    answer = client.post("/login", data={"email": ALICE, "password": "engage-demo"})
    assert answer.status_code == 403
    assert client.get("/cases").status_code == 303


def test_sign_in_starts_a_new_session_and_cookie_is_httponly(client: httpx.Client) -> None:
    before = csrf_of(client.get("/login").text)
    answer = login(client, ALICE)
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert csrf_of(client.get("/cases/new").text) != before


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil"])
def test_sign_in_never_redirects_off_site(client: httpx.Client, target: str) -> None:
    answer = login(client, ALICE, next_url=target)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/cases"


def test_sign_in_returns_to_a_local_page(client: httpx.Client) -> None:
    assert login(client, ALICE, next_url="/cases/2").headers["location"] == "/cases/2"


def test_portal_errors_are_pages_and_api_errors_stay_problem_json(client: httpx.Client) -> None:
    login(client, ALICE)
    page = client.get("/no/such/page")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    api = client.get("/api/v1/cases/1")
    assert api.status_code == 401
    assert api.headers["content-type"] == "application/problem+json"
    other_org = client.get("/cases/3")
    assert other_org.status_code == 404 and "Aggregator stuck" not in other_org.text


def test_htmx_request_after_sign_out_is_told_to_navigate(client: httpx.Client) -> None:
    answer = client.get("/cases", headers={"HX-Request": "true", "HX-Target": "results"})
    assert answer.headers.get("HX-Redirect") == "/login"


def test_customer_cannot_post_support_only_forms(client: httpx.Client, live_server: Any) -> None:
    login(client, ALICE)
    token = csrf_of(client.get("/cases/1").text)
    note = client.post(
        "/cases/1/comment",
        data={"csrf_token": token, "internal": "on", "body": "customer trying a note"},
    )
    assert note.status_code == 403
    assert "customer trying a note" not in comments_on(live_server, 1)
    assign = client.post("/cases/1/assign", data={"csrf_token": token, "assignee": "4"})
    assert assign.status_code == 403


def test_queue_ignores_unknown_filter_values(client: httpx.Client) -> None:
    login(client, SAM)
    answer = client.get("/cases?status=bogus&severity=P9&page=-3&assignee=x")
    assert answer.status_code == 200
    ids = re.findall(r'data-case-id="(\d+)"', answer.text)
    assert ids and ids == re.findall(r'data-case-id="(\d+)"', client.get("/cases").text)


def test_oversized_form_is_refused_before_it_is_read(client: httpx.Client) -> None:
    login(client, ALICE)
    token = csrf_of(client.get("/cases/1").text)
    answer = client.post("/cases/1/comment", data={"csrf_token": token, "body": "x" * 3_000_000})
    assert answer.status_code == 422
    assert "larger than" in answer.text
