"""Authorisation matrix: every route that takes an id answers 404 to another organisation."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute

from engage.api.app import create_api
from tests.integration.conftest import World

# (method, path, json body). Placeholders: {case} a case of org A, {org} org A,
# {env} an environment of org A, {user} a member of org A, {session_id} a session of {case}
# and {task_id} a task on its agenda.
SLOT_WINDOW = {"window_start": "2026-03-03T00:00:00Z", "window_end": "2026-03-06T00:00:00Z"}

MATRIX: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api/v1/cases/{case}", None),
    ("PATCH", "/api/v1/cases/{case}", {"title": "hijack"}),
    ("POST", "/api/v1/cases/{case}/transition", {"to": "resolved"}),
    ("POST", "/api/v1/cases/{case}/comments", {"body": "hello"}),
    ("GET", "/api/v1/cases/{case}/comments", None),
    ("POST", "/api/v1/cases/{case}/assign", {"assignee_id": None}),
    ("POST", "/api/v1/cases/{case}/split", {"parts": [{"title": "t", "area": "other"}]}),
    ("POST", "/api/v1/cases/{case}/links", {"other_case_id": 1, "kind": "related"}),
    ("GET", "/api/v1/cases/{case}/timeline", None),
    ("GET", "/api/v1/orgs/{org}", None),
    ("GET", "/api/v1/orgs/{org}/environments", None),
    ("POST", "/api/v1/orgs/{org}/environments", {"name": "evil"}),
    ("GET", "/api/v1/orgs/{org}/instances", None),
    ("GET", "/api/v1/orgs/{org}/users", None),
    ("POST", "/api/v1/environments/{env}/instances", {"cluster": "c1"}),
    ("GET", "/api/v1/users/{user}", None),
    # sessions (issue 6)
    ("GET", "/api/v1/cases/{case}/sessions", None),
    ("POST", "/api/v1/cases/{case}/sessions", {"topic": "hijack"}),
    ("GET", "/api/v1/cases/{case}/sessions/{session_id}", None),
    ("POST", "/api/v1/cases/{case}/sessions/{session_id}/propose", SLOT_WINDOW),
    ("POST", "/api/v1/cases/{case}/sessions/{session_id}/book", {"start": "2026-03-03T09:00:00Z"}),
    ("POST", "/api/v1/cases/{case}/sessions/{session_id}/participants", {"user_id": 1}),
    ("POST", "/api/v1/cases/{case}/sessions/{session_id}/tasks", {"title": "t"}),
    ("PATCH", "/api/v1/cases/{case}/sessions/{session_id}/tasks/{task_id}", {"state": "done"}),
    ("POST", "/api/v1/cases/{case}/sessions/{session_id}/ready", None),
    ("POST", "/api/v1/cases/{case}/sessions/{session_id}/begin", None),
    ("POST", "/api/v1/cases/{case}/sessions/{session_id}/finish", {}),
    ("POST", "/api/v1/cases/{case}/sessions/{session_id}/disengage", {}),
    ("POST", "/api/v1/cases/{case}/sessions/{session_id}/cancel", {}),
    ("POST", "/api/v1/cases/{case}/sessions/{session_id}/no-shows", {"email": "x@y.example"}),
    ("GET", "/api/v1/cases/{case}/sessions/{session_id}/invite.ics", None),
    ("GET", "/api/v1/users/{user}/availability", None),
    ("PUT", "/api/v1/users/{user}/availability", {"tz": "UTC"}),
    ("GET", "/api/v1/orgs/{org}/policy", None),
    ("PATCH", "/api/v1/orgs/{org}/policy", {"recording": True}),
    ("POST", "/api/v1/cases/{case}/break-glass", {"kind": "har", "reason": "a long enough reason"}),
    ("GET", "/api/v1/orgs/{org}/audit", None),
    # diagnostics intake (issue 7): {row_id} a request row, {artifact_id} an artifact and
    # {upload_id} a resumable upload, all on {case}
    ("POST", "/api/v1/cases/{case}/diagnostic-requests", {"kind": "har"}),
    ("GET", "/api/v1/cases/{case}/diagnostic-requests", None),
    ("GET", "/api/v1/cases/{case}/instructions?kind=har", None),
    ("POST", "/api/v1/cases/{case}/diagnostic-rows/{row_id}/waive", {"reason": "r"}),
    ("POST", "/api/v1/cases/{case}/diagnostic-rows/{row_id}/reject", {"reason": "r"}),
    ("POST", "/api/v1/cases/{case}/diagnostic-rows/{row_id}/validate", None),
    ("POST", "/api/v1/cases/{case}/artifacts", None),
    ("GET", "/api/v1/cases/{case}/artifacts", None),
    ("GET", "/api/v1/cases/{case}/artifacts/{artifact_id}", None),
    ("GET", "/api/v1/cases/{case}/artifacts/{artifact_id}/download", None),
    ("POST", "/api/v1/cases/{case}/artifacts/uploads", {"kind": "logs", "size": 10}),
    ("GET", "/api/v1/cases/{case}/artifacts/uploads/{upload_id}", None),
    ("PUT", "/api/v1/cases/{case}/artifacts/uploads/{upload_id}", None),
    ("POST", "/api/v1/cases/{case}/artifacts/uploads/{upload_id}/complete", None),
    ("DELETE", "/api/v1/cases/{case}/artifacts/uploads/{upload_id}", None),
]


def _fill(path: str, ids: dict[str, Any]) -> str:
    return path.format(**ids)


def _intake_ids(world: World, case_id: int) -> dict[str, Any]:
    """A request row, an artifact (its bytes in the store) and an open upload on the case."""
    eng, admin = world["engineer"].client, world["admin_a"].client
    req = eng.post(f"/api/v1/cases/{case_id}/diagnostic-requests", json={"kind": "logs"}).json()
    art = admin.post(
        f"/api/v1/cases/{case_id}/artifacts?kind=logs",
        content=b"a log line\n",
        headers={"Content-Type": "application/octet-stream"},
    ).json()
    upload = admin.post(
        f"/api/v1/cases/{case_id}/artifacts/uploads", json={"kind": "logs", "size": 10}
    ).json()
    return {"row_id": req["rows"][0]["id"], "artifact_id": art["id"], "upload_id": upload["id"]}


@pytest.fixture
def ids(world: World) -> dict[str, Any]:
    admin = world["admin_a"].client
    case = admin.post("/api/v1/cases", json={"title": "Org A case", "description": "d"}).json()
    env = admin.post(f"/api/v1/orgs/{world.org_a}/environments", json={"name": "prod"}).json()
    case_id = case["case"]["id"]
    sessions = f"/api/v1/cases/{case_id}/sessions"
    session = world["engineer"].client.post(sessions, json={"topic": "Org A session"}).json()
    world["engineer"].client.post(f"{sessions}/{session['id']}/tasks", json={"title": "t"})
    return {
        "case": case_id,
        "org": world.org_a,
        "env": env["id"],
        "user": world["member_a"].user.id or 0,
        "session_id": session["id"],
        "task_id": "t1",
        **_intake_ids(world, case_id),
    }


def test_matrix_covers_every_route_with_an_id(world: World) -> None:
    app = create_api(world.engage)
    with_ids = {
        (m, r.path)
        for r in app.routes
        if isinstance(r, APIRoute)
        for m in r.methods
        if "{" in r.path
    }
    covered = {
        (
            m,
            p.partition("?")[0]
            .replace("{case}", "{case_id}")
            .replace("{org}", "{org_id}")
            .replace("{env}", "{environment_id}")
            .replace("{user}", "{user_id}"),
        )
        for m, p, _ in MATRIX
    }
    assert with_ids <= covered, f"routes missing from the matrix: {sorted(with_ids - covered)}"


@pytest.mark.parametrize(("method", "path", "body"), MATRIX, ids=[f"{m} {p}" for m, p, _ in MATRIX])
def test_other_org_gets_404(
    world: World, ids: dict[str, int], method: str, path: str, body: dict[str, Any] | None
) -> None:
    r = world["admin_b"].client.request(method, _fill(path, ids), json=body)
    assert r.status_code == 404, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(("method", "path", "body"), MATRIX, ids=[f"{m} {p}" for m, p, _ in MATRIX])
def test_no_credentials_gets_401(
    world: World, ids: dict[str, int], method: str, path: str, body: dict[str, Any] | None
) -> None:
    r = world.app_client.request(method, _fill(path, ids), json=body)
    assert r.status_code == 401


@pytest.mark.parametrize(("method", "path", "body"), MATRIX, ids=[f"{m} {p}" for m, p, _ in MATRIX])
def test_same_org_and_support_are_not_404(
    world: World, ids: dict[str, int], method: str, path: str, body: dict[str, Any] | None
) -> None:
    for who in ("admin_a", "engineer"):
        r = world[who].client.request(method, _fill(path, ids), json=body)
        assert r.status_code != 404 or "other_case_id" in (body or {}), (who, r.text)


def test_customer_lists_only_their_org(world: World, ids: dict[str, int]) -> None:
    world["admin_b"].client.post("/api/v1/cases", json={"title": "B case", "description": "d"})
    items = world["admin_a"].client.get("/api/v1/cases", params={"limit": 200}).json()["items"]
    assert items and {i["org_id"] for i in items} == {world.org_a}
    forced = world["admin_a"].client.get("/api/v1/cases", params={"org_id": world.org_b}).json()
    assert {i["org_id"] for i in forced["items"]} <= {world.org_a}
    orgs = world["admin_a"].client.get("/api/v1/orgs").json()
    assert [o["id"] for o in orgs] == [world.org_a]


def test_role_rules_for_people_and_orgs(world: World) -> None:
    member = world["member_a"].client
    r = member.post(
        "/api/v1/users",
        json={
            "email": "x@y.example",
            "name": "X",
            "role": "customer_member",
            "org_id": world.org_a,
        },
    )
    assert r.status_code == 403
    admin = world["admin_a"].client
    r = admin.post(
        "/api/v1/users",
        json={
            "email": "new@a.example",
            "name": "New",
            "role": "customer_member",
            "org_id": world.org_a,
        },
    )
    assert r.status_code == 201
    r = admin.post(
        "/api/v1/users",
        json={"email": "evil@a.example", "name": "Evil", "role": "support_engineer"},
    )
    assert r.status_code in (404, 422)
    r = admin.post(
        "/api/v1/users",
        json={
            "email": "b@b.example",
            "name": "B",
            "role": "customer_member",
            "org_id": world.org_b,
        },
    )
    assert r.status_code == 404
    assert (
        world["engineer"]
        .client.post("/api/v1/orgs", json={"slug": "zz-new", "name": "Z"})
        .status_code
        == 403
    )
    assert (
        world["manager"]
        .client.post("/api/v1/orgs", json={"slug": f"zz-{world.org_a}", "name": "Z"})
        .status_code
        == 201
    )
