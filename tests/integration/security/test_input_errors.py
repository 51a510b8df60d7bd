"""Hostile input answers 4xx problem+json on both databases, never 500; every API and docs
response carries security headers; OPTIONS names every method of a resource."""

from __future__ import annotations

import pytest

from tests.integration.conftest import World

PROBLEM = "application/problem+json"


def _case(world: World) -> int:
    r = world["admin_a"].client.post("/api/v1/cases", json={"title": "t", "description": "d"})
    return int(r.json()["case"]["id"])


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cases/9223372036854775808",
        "/api/v1/cases/9223372036854775807",
        "/api/v1/cases/2147483648",
        "/api/v1/cases/-99999999999999999999",
        "/api/v1/cases/1/comments/../../9223372036854775808",
        "/api/v1/orgs/99999999999999999999999/policy",
    ],
)
def test_ids_out_of_range_are_404(world: World, path: str) -> None:
    r = world["engineer"].client.get(path)
    assert r.status_code == 404, r.text
    assert r.headers["content-type"] == PROBLEM


def test_ids_out_of_range_in_query_and_body_are_422(world: World) -> None:
    engineer = world["engineer"].client
    assert engineer.get("/api/v1/cases?assignee_id=9223372036854775808").status_code == 422
    assert engineer.get("/api/v1/cases?org_id=0").status_code == 422
    case_id = _case(world)
    r = engineer.post(f"/api/v1/cases/{case_id}/assign", json={"assignee_id": 2**63})
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    r = engineer.post(
        f"/api/v1/cases/{case_id}/links", json={"other_case_id": 2**40, "kind": "related"}
    )
    assert r.status_code == 422


@pytest.mark.parametrize("text", ["a\u0000b", "bell\u0007", "esc\u001b[31m"])
def test_control_characters_are_422(world: World, text: str) -> None:
    admin = world["admin_a"].client
    assert admin.post("/api/v1/cases", json={"title": text}).status_code == 422
    case_id = _case(world)
    r = admin.post(f"/api/v1/cases/{case_id}/comments", json={"body": text})
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert admin.patch(f"/api/v1/cases/{case_id}", json={"description": text}).status_code == 422
    assert admin.get("/api/v1/cases", params={"q": text}).status_code == 422


def test_tabs_and_newlines_are_fine(world: World) -> None:
    admin = world["admin_a"].client
    case_id = _case(world)
    r = admin.post(f"/api/v1/cases/{case_id}/comments", json={"body": "line 1\n\tline 2\r\n"})
    assert r.status_code == 201


def test_wrong_scalar_types_are_422(world: World) -> None:
    admin = world["admin_a"].client
    case_id = _case(world)
    r = admin.post(f"/api/v1/cases/{case_id}/comments", json={"body": "x", "internal": 0})
    assert r.status_code == 422
    r = admin.post("/api/v1/cases", json={"title": "x", "org_id": "1"})
    assert r.status_code == 422


def test_options_lists_every_method_of_the_resource(world: World) -> None:
    r = world["admin_a"].client.options("/api/v1/cases/1")
    assert r.status_code == 405
    assert set(r.headers["allow"].split(", ")) == {"GET", "HEAD", "PATCH"}
    r = world["admin_a"].client.get("/api/v1/cases/1/artifacts/uploads")
    assert r.status_code == 405 and "POST" in r.headers["allow"]


@pytest.mark.parametrize("path", ["/api/v1/cases", "/api/v1/openapi.json", "/docs", "/healthz"])
def test_security_headers_on_api_and_docs(world: World, path: str) -> None:
    r = world["admin_a"].client.get(path)
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"


def test_openapi_documents_problem_responses(world: World) -> None:
    spec = world.app_client.get("/api/v1/openapi.json").json()
    op = spec["paths"]["/api/v1/cases/{case_id}"]["patch"]
    for code in ("401", "404", "409", "412", "422", "429"):
        assert "application/problem+json" in op["responses"][code]["content"]
    param = next(p for p in op["parameters"] if p["name"] == "case_id")
    assert param["schema"]["maximum"] == 2_147_483_647
