"""Diagnostics e2e fixtures: the portal's browser fixtures, fake clusters, and a case of the
demo organisation with its two instances, ready for requests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.e2e.conftest import LiveServer
from tests.integration.collect.conftest import Fleet

PPROF = Path(__file__).parents[2] / "fixtures" / "shared" / "pprof"
HEAP = PPROF / "parca_heap_parca-server_many-1644509299337903000.pb.gz"
CPU = PPROF / "parca_cpu_fib.pb.gz"


def api(live_server: LiveServer, email: str) -> httpx.Client:
    """An API client for a demo user."""
    return httpx.Client(
        base_url=f"{live_server.url}/api/v1",
        timeout=60,
        headers={"Authorization": f"Bearer {live_server.demo.tokens[email]}"},
    )


@pytest.fixture
def alice(live_server: LiveServer) -> Iterator[httpx.Client]:
    """Acme's admin (customer)."""
    with api(live_server, "alice@acme.example") as client:
        yield client


@pytest.fixture
def sam(live_server: LiveServer) -> Iterator[httpx.Client]:
    """A support engineer."""
    with api(live_server, "sam@support.example") as client:
        yield client


@pytest.fixture
def acme_case(alice: httpx.Client, sam: httpx.Client) -> dict[str, Any]:
    """A new Acme case on both demo instances, assigned to Sam."""
    orgs = alice.get("/orgs").json()
    org_id = orgs[0]["id"]
    instances = alice.get(f"/orgs/{org_id}/instances").json()
    r = alice.post(
        "/cases",
        json={
            "title": "cost-model memory keeps growing",
            "description": "OOM kills every night",
            "severity": "P2",
            "area": "performance-memory",
            "instance_ids": [i["id"] for i in instances],
        },
    )
    assert r.status_code == 201, r.text
    case = r.json()["case"]
    me = sam.get("/me").json()
    r = sam.post(f"/cases/{case['id']}/assign", json={"assignee_id": me["id"]})
    assert r.status_code == 200, r.text
    return {"id": case["id"], "org_id": org_id, "instances": instances}


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Fleet]:
    """Fake Kubernetes clusters on loopback."""
    f = Fleet(tmp_path)
    yield f
    f.stop()
