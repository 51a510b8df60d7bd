"""Intake fixtures: a container with eager jobs (analysis runs inline), a case with two
environments and three instances, and helpers to upload and read the case back."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from engage.adapters.jobs.database import DatabaseJobQueue
from engage.bootstrap import Engage, build
from engage.config import Settings
from engage.domain.clock import FixedClock
from engage.services.ports import ObjectStore
from tests.integration.conftest import World
from tests.support.s3_server import S3Server

SHARED = Path(__file__).parents[2] / "fixtures" / "shared"
FIXTURES = {  # short names the intake tests use -> the one shared copy
    "heap.pb.gz": SHARED / "pprof" / "parca_heap_parca-server_many-1644509299337903000.pb.gz",
    "cpu.pb.gz": SHARED / "pprof" / "parca_cpu_fib.pb.gz",
    "chrome-postdata.har": SHARED / "har" / "chrome-postdata_mitmproxy.har",
}
START = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """moto_server on loopback for the whole run."""
    with S3Server() as server:
        server.use_credentials()
        yield server


def make_engage(engine: Engine, data_dir: Path, store: ObjectStore | None = None) -> Engage:
    """A container on `engine` whose jobs run (durably, through the jobs table) right after
    they are queued, with a movable fixed clock."""
    settings = Settings(database_url=str(engine.url), data_dir=data_dir)
    return build(
        settings,
        engine=engine,
        clock=FixedClock(START),
        jobs=DatabaseJobQueue(engine, eager=True),
        store=store,
    )


@pytest.fixture
def engage(migrated_engine: Engine, tmp_path: Path) -> Engage:
    """The filesystem store under tmp_path; eager jobs."""
    return make_engage(migrated_engine, tmp_path / "data")


@dataclass
class CaseSetup:
    """A case of org A with prod (2 instances) and staging (1), assigned to the engineer."""

    world: World
    case_id: int
    envs: dict[str, int]
    instances: dict[str, int]

    @property
    def admin(self) -> TestClient:
        return self.world["admin_a"].client

    @property
    def engineer(self) -> TestClient:
        return self.world["engineer"].client

    def case(self) -> dict[str, Any]:
        return dict(self.admin.get(f"/api/v1/cases/{self.case_id}").json())

    def diagnostics(self) -> dict[str, Any]:
        r = self.admin.get(f"/api/v1/cases/{self.case_id}/diagnostic-requests")
        assert r.status_code == 200, r.text
        return dict(r.json())

    def request(self, kind: str, **body: Any) -> dict[str, Any]:
        r = self.engineer.post(
            f"/api/v1/cases/{self.case_id}/diagnostic-requests", json={"kind": kind, **body}
        )
        assert r.status_code == 201, r.text
        return dict(r.json())

    def upload(
        self,
        kind: str,
        name: str,
        data: bytes,
        row: int | None = None,
        client: TestClient | None = None,
        **headers: str,
    ) -> Any:
        form = {"kind": kind, **({"request": str(row)} if row else {})}
        return (client or self.admin).post(
            f"/api/v1/cases/{self.case_id}/artifacts",
            data=form,
            files={"file": (name, data, "application/octet-stream")},
            headers=headers,
        )

    def artifacts(self) -> dict[str, Any]:
        return dict(self.admin.get(f"/api/v1/cases/{self.case_id}/artifacts").json())

    def final(self, r: Any) -> dict[str, Any]:
        """The artifact an upload response created, as it stands after its jobs ran."""
        assert r.status_code == 201, r.text
        got = self.admin.get(f"/api/v1/cases/{self.case_id}/artifacts/{r.json()['id']}")
        assert got.status_code == 200, got.text
        return dict(got.json())

    def rejection(self, r: Any) -> str:
        """Why an upload was refused: at once (422, cheap checks) or by its preparation job
        (201 received, then rejected); the reason either way."""
        if r.status_code == 422:
            assert r.headers["content-type"].startswith("application/problem+json")
            return str(r.json()["detail"])
        art = self.final(r)
        assert art["status"] == "rejected", art
        return str(art["analysis_error"])

    def kept(self) -> list[dict[str, Any]]:
        """Artifacts that were not rejected."""
        return [a for a in self.artifacts()["artifacts"] if a["status"] != "rejected"]

    def stored(self) -> list[str]:
        """Every key in the object store."""
        return list(self.world.engage.store.keys())


@pytest.fixture
def setup(world: World) -> CaseSetup:
    """Org A's environments, instances and a case using all three instances."""
    admin = world["admin_a"].client
    envs, insts = {}, {}
    for env, clusters in (("prod", ["prod-east", "prod-west"]), ("staging", ["stg-1"])):
        e = admin.post(f"/api/v1/orgs/{world.org_a}/environments", json={"name": env})
        assert e.status_code == 201, e.text
        envs[env] = e.json()["id"]
        for cluster in clusters:
            i = admin.post(
                f"/api/v1/environments/{envs[env]}/instances",
                json={"cluster": cluster, "namespace": "kubecost", "version": "2.5.3"},
            )
            assert i.status_code == 201, i.text
            insts[cluster] = i.json()["id"]
    r = admin.post(
        "/api/v1/cases",
        json={
            "title": "cost-model memory keeps growing",
            "description": "OOM kills every night",
            "severity": "P2",
            "area": "performance-memory",
            "instance_ids": list(insts.values()),
        },
    )
    assert r.status_code == 201, r.text
    case_id = r.json()["case"]["id"]
    eng = world["engineer"]
    r = eng.client.post(f"/api/v1/cases/{case_id}/assign", json={"assignee_id": eng.user.id})
    assert r.status_code == 200, r.text
    return CaseSetup(world, case_id, envs, insts)


def fixture_bytes(name: str) -> bytes:
    """A shared fixture file by its short intake name."""
    return FIXTURES[name].read_bytes()


def har_with_secrets() -> bytes:
    """The Chrome HAR fixture with a bearer token and a session cookie planted in it."""
    doc = json.loads(fixture_bytes("chrome-postdata.har").decode("utf-8-sig"))
    req = doc["log"]["entries"][0]["request"]
    req["headers"].append(
        {
            "name": "Authorization",
            "value": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJrYyJ9.c2VjcmV0LXNpZw",
        }
    )
    req["cookies"] = [{"name": "kc_session", "value": "s3cr3t-session-7f9a2b4c8d1e"}]
    return json.dumps(doc).encode()


def tar_gz(members: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    """A .tar.gz built from raw TarInfo entries (links, devices, absolute names allowed)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def member(name: str, data: bytes = b"x\n", **attrs: Any) -> tuple[tarfile.TarInfo, bytes | None]:
    """One tar entry; `type` etc. may be overridden."""
    info = tarfile.TarInfo(name)
    info.size = len(data)
    for key, value in attrs.items():
        setattr(info, key, value)
    if info.type != tarfile.REGTYPE:
        info.size = 0
        return info, None
    return info, data


def gzip_bytes(data: bytes) -> bytes:
    """gzip-compress `data`."""
    return gzip.compress(data)


KUBECOST_LOG = (
    b'2024-06-03T14:00:00.482913Z INF Starting cost-model (git commit "2.5.3")\n'
    b"2024-06-03T14:00:03.482913Z ERR No valid prometheus config file at prom.monitoring:9090. "
    b'Error: Get "prom.monitoring:9090/api/v1/status/config": unsupported protocol scheme '
    b'"prom.monitoring"\n'
    b"2024-06-03T14:00:04.482913Z INF ETL: Allocation[1d]: Run: completed in 2.31s\n"
)
