"""Token lifecycle over the API: create (shown once), list, revoke (401 at once), expiry,
read-only scope, case upload tokens limited to their case, last_used_at kept."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from engage.api.app import create_api
from tests.integration.conftest import World


def _client(world: World, token: str) -> TestClient:
    return TestClient(create_api(world.engage), headers={"Authorization": f"Bearer {token}"})


def test_create_list_and_revoke_a_token(world: World) -> None:
    me = world["admin_a"].client
    made = me.post("/api/v1/tokens", json={"name": "laptop"})
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["token"].startswith("eng_") and body["scopes"] == ["read", "write"]
    assert body["expires_at"].startswith("2026-05-31")  # 90 days after the fixed clock
    listed = me.get("/api/v1/tokens").json()
    assert body["id"] in [t["id"] for t in listed]
    assert all("token" not in t for t in listed)  # never the secret again
    new = _client(world, body["token"])
    assert new.get("/api/v1/cases").status_code == 200
    assert me.delete(f"/api/v1/tokens/{body['id']}").status_code == 204
    gone = new.get("/api/v1/cases")
    assert gone.status_code == 401
    assert gone.headers["content-type"] == "application/problem+json"


def test_someone_elses_token_cannot_be_revoked(world: World) -> None:
    other = world["admin_b"].client.post("/api/v1/tokens", json={"name": "b"}).json()
    assert world["admin_a"].client.delete(f"/api/v1/tokens/{other['id']}").status_code == 404


def test_expired_token_answers_401(world: World) -> None:
    made = world["member_a"].client.post(
        "/api/v1/tokens", json={"name": "short", "expires_in_days": 1}
    )
    client = _client(world, made.json()["token"])
    assert client.get("/api/v1/cases").status_code == 200
    world.engage.clock.advance(days=1, seconds=1)  # type: ignore[attr-defined]
    assert client.get("/api/v1/cases").status_code == 401


def test_read_only_token_cannot_write(world: World) -> None:
    made = (
        world["admin_a"]
        .client.post("/api/v1/tokens", json={"name": "ro", "scopes": ["read"]})
        .json()
    )
    client = _client(world, made["token"])
    assert client.get("/api/v1/cases").status_code == 200
    refused = client.post("/api/v1/cases", json={"title": "x", "description": "y"})
    assert refused.status_code == 403


def test_case_upload_token_reaches_only_its_case(world: World) -> None:
    admin = world["admin_a"].client
    case = admin.post("/api/v1/cases", json={"title": "Costs missing"}).json()["case"]["id"]
    other = admin.post("/api/v1/cases", json={"title": "Other"}).json()["case"]["id"]
    made = admin.post(f"/api/v1/cases/{case}/upload-tokens")
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["command"] == f"engage collect --all-contexts --case {case} --upload"
    assert body["scopes"] == ["case-upload"] and body["case_id"] == case
    client = _client(world, body["token"])
    assert client.get(f"/api/v1/cases/{case}/diagnostic-requests").status_code == 200
    assert client.get(f"/api/v1/cases/{other}/diagnostic-requests").status_code == 403
    assert client.get(f"/api/v1/cases/{case}").status_code == 403
    assert client.get("/api/v1/cases").status_code == 403
    assert client.get("/api/v1/tokens").status_code == 403
    raw = client.post(
        f"/api/v1/cases/{case}/artifacts?kind=other&name=notes.txt",
        content=b"hello",
        headers={"Content-Type": "application/octet-stream"},
    )
    assert raw.status_code != 403, raw.text  # the upload route itself is open to it
    world.engage.clock.advance(days=7, seconds=1)  # type: ignore[attr-defined]
    assert client.get(f"/api/v1/cases/{case}/diagnostic-requests").status_code == 401


def test_another_orgs_case_gets_no_upload_token(world: World) -> None:
    case = world["admin_a"].client.post("/api/v1/cases", json={"title": "A"}).json()["case"]["id"]
    assert world["admin_b"].client.post(f"/api/v1/cases/{case}/upload-tokens").status_code == 404


def test_last_used_at_is_written_at_most_once_a_minute(world: World) -> None:
    made = world["admin_a"].client.post("/api/v1/tokens", json={"name": "t"}).json()
    client = _client(world, made["token"])

    def last_used() -> str | None:
        rows = world["admin_a"].client.get("/api/v1/tokens").json()
        return next(t["last_used_at"] for t in rows if t["id"] == made["id"])

    assert last_used() is None
    client.get("/api/v1/cases")
    first = last_used()
    assert first is not None
    world.engage.clock.advance(seconds=30)  # type: ignore[attr-defined]
    client.get("/api/v1/cases")
    assert last_used() == first
    world.engage.clock.advance(seconds=31)  # type: ignore[attr-defined]
    client.get("/api/v1/cases")
    assert last_used() != first
    assert timedelta(minutes=1)  # the documented interval


def test_bad_token_bodies_are_4xx(world: World) -> None:
    me = world["admin_a"].client
    assert me.post("/api/v1/tokens", json={"name": ""}).status_code == 422
    assert me.post("/api/v1/tokens", json={"name": "x", "expires_in_days": 0}).status_code == 422
    assert me.post("/api/v1/tokens", json={"name": "x", "scopes": ["admin"]}).status_code == 422
    assert me.post("/api/v1/tokens", json={"name": "a\u0000b"}).status_code == 422
    assert me.delete("/api/v1/tokens/9223372036854775808").status_code == 404
