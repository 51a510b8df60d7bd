"""Concurrent writes to one case: appends never conflict, If-Match races give one winner and
412s, a raced Idempotency-Key replays; never a 5xx or a dropped connection."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.integration.conftest import World

IN_FLIGHT = 20


def _open_case(world: World) -> int:
    r = world["admin_a"].client.post(
        "/api/v1/cases", json={"title": "Allocation API slow", "description": "p99 12 s"}
    )
    assert r.status_code == 201, r.text
    return int(r.json()["case"]["id"])


def _fire(base: str, token: str, calls: list[tuple[str, str, dict, dict]]) -> list[httpx.Response]:
    """Send every call with IN_FLIGHT at once, each thread on its own keep-alive connection."""
    local = __import__("threading").local()

    def one(call: tuple[str, str, dict, dict]) -> httpx.Response:
        if not hasattr(local, "client"):
            local.client = httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60
            )
        method, path, body, headers = call
        return local.client.request(method, path, json=body, headers=headers)

    with ThreadPoolExecutor(IN_FLIGHT) as pool:
        return list(pool.map(one, calls))


def test_hundred_comments_at_twenty_in_flight_are_all_stored(world: World, live_url: str) -> None:
    case_id = _open_case(world)
    calls = [
        ("POST", f"/api/v1/cases/{case_id}/comments", {"body": f"update {i}"}, {})
        for i in range(100)
    ]
    replies = _fire(live_url, world["admin_a"].token, calls)
    assert Counter(r.status_code for r in replies) == {201: 100}
    stored = world["engineer"].client.get(f"/api/v1/cases/{case_id}/comments").json()
    assert sorted(c["body"] for c in stored) == sorted(f"update {i}" for i in range(100))


def test_twenty_patches_with_one_etag_give_one_200_and_nineteen_412(
    world: World, live_url: str
) -> None:
    case_id = _open_case(world)
    tag = world["admin_a"].client.get(f"/api/v1/cases/{case_id}").headers["ETag"]
    calls = [
        ("PATCH", f"/api/v1/cases/{case_id}", {"title": f"title {i}"}, {"If-Match": tag})
        for i in range(20)
    ]
    replies = _fire(live_url, world["admin_a"].token, calls)
    assert Counter(r.status_code for r in replies) == {200: 1, 412: 19}
    assert all(
        r.headers["content-type"] == "application/problem+json"
        for r in replies
        if r.status_code == 412
    )
    winner = next(r for r in replies if r.status_code == 200).json()["title"]
    assert world["admin_a"].client.get(f"/api/v1/cases/{case_id}").json()["title"] == winner


def test_twenty_creates_with_one_idempotency_key_make_one_case(world: World, live_url: str) -> None:
    body = {"title": "Cluster costs missing", "description": "since the upgrade"}
    calls = [("POST", "/api/v1/cases", body, {"Idempotency-Key": "k-1"}) for _ in range(20)]
    replies = _fire(live_url, world["admin_a"].token, calls)
    assert Counter(r.status_code for r in replies) == {201: 20}
    assert len({r.json()["case"]["id"] for r in replies}) == 1


def test_comments_do_not_change_the_etag_but_edits_do(world: World) -> None:
    client = world["admin_a"].client
    case_id = _open_case(world)
    tag = client.get(f"/api/v1/cases/{case_id}").headers["ETag"]
    assert client.post(f"/api/v1/cases/{case_id}/comments", json={"body": "hi"}).status_code == 201
    ok = client.patch(f"/api/v1/cases/{case_id}", json={"title": "New"}, headers={"If-Match": tag})
    assert ok.status_code == 200
    stale = client.patch(
        f"/api/v1/cases/{case_id}", json={"title": "Newer"}, headers={"If-Match": tag}
    )
    assert stale.status_code == 412


def test_internal_notes_leave_what_customers_see_unchanged(world: World) -> None:
    case_id = _open_case(world)
    before = world["admin_a"].client.get(f"/api/v1/cases/{case_id}")
    world.engage.clock.advance(minutes=5)  # type: ignore[attr-defined]
    note = world["engineer"].client.post(
        f"/api/v1/cases/{case_id}/comments", json={"body": "looks like OOM", "internal": True}
    )
    assert note.status_code == 201
    after = world["admin_a"].client.get(f"/api/v1/cases/{case_id}")
    assert after.headers["ETag"] == before.headers["ETag"]
    assert after.json()["updated_at"] == before.json()["updated_at"]
    assert after.json()["version"] == before.json()["version"]
    assert "looks like OOM" not in after.text
