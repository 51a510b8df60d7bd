"""Webhooks against a loopback HTTP receiver that checks signatures and can fail on purpose."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from engage.adapters.webhooks.http import HttpWebhookSender
from engage.domain.clock import FixedClock
from engage.domain.notifications import SIGNATURE_HEADER, verify
from engage.services.mail_jobs import SWEEP_JOB
from tests.integration.conftest import World

from .test_mail_flow import open_case, support_reply


@dataclass
class Receiver:
    """What the endpoint received; answers `fail` requests with 500 before accepting."""

    url: str = ""
    fail: int = 0
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append(({k: v for k, v in self.headers.items()}, body))
            code = 500 if state.fail else 204
            state.fail = max(0, state.fail - 1)
            self.send_response(code)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_port}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def register(world: World, url: str, who: str = "admin_a", **extra: Any) -> dict[str, Any]:
    body = {"url": url, "events": ["case.support_reply", "case.status_changed"], **extra}
    r = world[who].client.post("/api/v1/webhooks", json=body)
    assert r.status_code == 201, r.text
    hook: dict[str, Any] = r.json()
    return hook


def test_deliveries_are_signed_over_timestamp_and_body(world: World, receiver: Receiver) -> None:
    hook = register(world, receiver.url)
    assert hook["secret"].startswith("whsec_") and hook["org_id"] == world.org_a
    case = open_case(world, "admin_a")
    support_reply(world, case["id"])
    [(headers, body)] = receiver.requests
    now = int(world.engage.clock.now().timestamp())
    assert verify(hook["secret"], headers[SIGNATURE_HEADER], body, now=now)
    assert not verify("whsec_wrong", headers[SIGNATURE_HEADER], body, now=now)
    assert not verify(hook["secret"], headers[SIGNATURE_HEADER], body + b" ", now=now)
    event = json.loads(body)
    assert event["event"] == "case.support_reply" == headers["Engage-Event"]
    assert event["case"]["id"] == case["id"]
    listed = world["admin_a"].client.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()
    assert [(d["status"], d["response_status"]) for d in listed] == [("sent", 204)]
    assert "secret" not in world["admin_a"].client.get(f"/api/v1/webhooks/{hook['id']}").json()


def test_failed_delivery_is_retried_with_backoff(world: World, receiver: Receiver) -> None:
    hook = register(world, receiver.url)
    receiver.fail = 1
    case = open_case(world, "admin_a")
    support_reply(world, case["id"])
    deliveries = world["admin_a"].client.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()
    assert deliveries[0]["status"] == "pending" and deliveries[0]["last_error"] == "HTTP 500"
    world.engage.jobs.enqueue(SWEEP_JOB)  # too early: the backoff is not over
    assert len(receiver.requests) == 1
    clock = world.engage.clock
    assert isinstance(clock, FixedClock)
    clock.advance(seconds=31)
    world.engage.jobs.enqueue(SWEEP_JOB)
    assert len(receiver.requests) == 2
    first, second = receiver.requests
    assert first[0]["Engage-Delivery"] == second[0]["Engage-Delivery"]  # the same event
    deliveries = world["admin_a"].client.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()
    assert (deliveries[0]["status"], deliveries[0]["attempts"]) == ("sent", 2)


def test_slack_format_and_other_organisations_events(world: World, receiver: Receiver) -> None:
    register(world, receiver.url, format="slack")
    other = world["admin_b"].client.post(
        "/api/v1/cases", json={"title": "B's case", "description": "x", "severity": "P3"}
    )
    support_reply(world, other.json()["case"]["id"])
    assert receiver.requests == []  # org B's case never reaches org A's endpoint
    case = open_case(world, "admin_a")
    support_reply(world, case["id"])
    [(_, body)] = receiver.requests
    text = json.loads(body)["text"]
    assert f"/cases/{case['id']}|Case #{case['id']}: Support replied>" in text


def test_who_may_manage_webhooks(world: World, receiver: Receiver) -> None:
    r = world["member_a"].client.post(
        "/api/v1/webhooks", json={"url": receiver.url, "events": ["*"]}
    )
    assert r.status_code == 403, r.text
    hook = register(world, receiver.url)
    assert world["admin_b"].client.get(f"/api/v1/webhooks/{hook['id']}").status_code == 404
    support = world["engineer"].client.post(
        "/api/v1/webhooks", json={"url": receiver.url, "events": ["case.new_case"]}
    )
    assert support.status_code == 201 and support.json()["org_id"] is None
    bad = world["admin_a"].client.post(
        "/api/v1/webhooks", json={"url": receiver.url, "events": ["case.nope"]}
    )
    assert bad.status_code == 422 and "case.nope" in bad.text
    r = world["admin_a"].client.patch(f"/api/v1/webhooks/{hook['id']}", json={"active": False})
    assert r.json()["active"] is False
    assert world["admin_a"].client.delete(f"/api/v1/webhooks/{hook['id']}").status_code == 204


def test_private_targets_are_refused_unless_allowed(world: World) -> None:
    tools: Any = world.engage.extras["mail_tools"]
    tools.sender = HttpWebhookSender(public_only=True)
    for url in ("http://127.0.0.1:9/hook", "https://10.0.0.8/hook", "https://localhost/x"):
        r = world["admin_a"].client.post("/api/v1/webhooks", json={"url": url, "events": ["*"]})
        assert r.status_code == 422, (url, r.text)
        assert "non-public address" in r.json()["detail"]


def test_delivery_backoff_grows() -> None:
    from engage.domain.notifications import backoff

    assert [backoff(n) for n in (1, 2, 3)] == [
        timedelta(seconds=30),
        timedelta(seconds=60),
        timedelta(seconds=120),
    ]
    assert backoff(30) == timedelta(hours=6)
