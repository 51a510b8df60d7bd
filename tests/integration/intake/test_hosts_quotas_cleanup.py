"""Several hosts, quotas and clean-up: chunks of one upload land on two hosts (parts live in
the shared object store), sessions belong to their creator, limits answer 429, abandoned
uploads and scratch are swept, a job that keeps failing marks its artifact failed."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from fastapi.testclient import TestClient

from engage.adapters.jobs import database
from engage.api.app import create_api
from engage.services.ports import ObjectStore, ObjectStoreError
from engage.services.retention import CLEANUP_JOB
from tests.integration.intake.conftest import KUBECOST_LOG, CaseSetup, make_engage, member, tar_gz


def _second_host(setup: CaseSetup, tmp_path: Path) -> TestClient:
    """Another web process: same database and object store, its own local disk."""
    engage = setup.world.engage
    other = make_engage(engage.engine, tmp_path / "host-b", store=engage.store)
    token = setup.world["admin_a"].token
    return TestClient(create_api(other), headers={"Authorization": f"Bearer {token}"})


def _put(client: TestClient, url: str, data: bytes, start: int, total: int) -> Any:
    return client.put(
        url,
        content=data,
        headers={"Content-Range": f"bytes {start}-{start + len(data) - 1}/{total}"},
    )


def test_chunks_alternate_between_hosts_and_complete(setup: CaseSetup, tmp_path: Path) -> None:
    data = KUBECOST_LOG * 300
    host_b = _second_host(setup, tmp_path)
    base = f"/api/v1/cases/{setup.case_id}/artifacts/uploads"
    started = setup.admin.post(base, json={"kind": "logs", "size": len(data), "name": "a.log"})
    assert started.status_code == 201, started.text
    url = f"{base}/{started.json()['id']}"
    step = len(data) // 4 + 1
    for i, start in enumerate(range(0, len(data), step)):
        client = setup.admin if i % 2 == 0 else host_b
        r = _put(client, url, data[start : start + step], start, len(data))
        assert r.status_code == 200, r.text
    again = _put(host_b, url, data[:step], 0, len(data))  # a repeated chunk is harmless
    assert again.status_code == 200 and again.json()["received"] == len(data)
    assert len([k for k in setup.stored() if k.startswith("uploads/")]) == 4
    done = host_b.post(f"{url}/complete")
    assert done.status_code == 201 and done.json()["status"] == "received"
    art = setup.final(done)
    assert art["status"] == "ready" and art["original_name"] == "a.log"
    assert [k for k in setup.stored() if not k.startswith("sha256/")] == []  # parts gone
    assert setup.artifacts()["findings"]


def test_upload_sessions_belong_to_their_creator(setup: CaseSetup) -> None:
    base = f"/api/v1/cases/{setup.case_id}/artifacts/uploads"
    bad = setup.admin.post(base, json={"kind": "logs", "size": 10, "name": "x\x00.log"})
    assert bad.status_code == 422 and "NUL" in bad.json()["detail"]
    started = setup.admin.post(base, json={"kind": "logs", "size": 10, "name": "../x.log"})
    assert started.status_code == 201 and started.json()["original_name"] == "x.log"
    url = f"{base}/{started.json()['id']}"
    member = setup.world["member_a"].client
    assert member.get(url).status_code == 404
    assert _put(member, url, b"0123456789", 0, 10).status_code == 404
    assert member.delete(url).status_code == 404
    assert setup.engineer.get(url).status_code == 200  # support may help
    assert setup.admin.delete(url).status_code == 204


def test_quotas_answer_429_with_what_to_do(setup: CaseSetup, tmp_path: Path) -> None:
    engage = setup.world.engage
    engage.settings.quota_open_uploads = 2
    base = f"/api/v1/cases/{setup.case_id}/artifacts/uploads"
    for _ in range(2):
        assert setup.admin.post(base, json={"kind": "logs", "size": 10}).status_code == 201
    r = setup.admin.post(base, json={"kind": "logs", "size": 10})
    assert r.status_code == 429 and "unfinished uploads" in r.json()["detail"]
    engage.settings.quota_open_uploads = 0
    engage.settings.quota_daily_bytes = len(KUBECOST_LOG) * 2
    assert setup.upload("logs", "a.log", KUBECOST_LOG).status_code == 201
    r = setup.upload("logs", "b.log", KUBECOST_LOG + b"b\n" * 1000)
    assert r.status_code == 429 and "last 24 hours" in r.json()["detail"]
    assert r.headers["content-type"].startswith("application/problem+json")


def test_cleanup_expires_abandoned_uploads_and_old_scratch(setup: CaseSetup) -> None:
    engage = setup.world.engage
    base = f"/api/v1/cases/{setup.case_id}/artifacts/uploads"
    started = setup.admin.post(base, json={"kind": "logs", "size": 100}).json()
    assert _put(setup.admin, f"{base}/{started['id']}", b"x" * 10, 0, 100).status_code == 200
    scratch = engage.settings.data_dir / "scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    spool = scratch / "left-by-a-killed-server.upload"
    spool.write_bytes(b"x")
    work = scratch / "prepare-abc"
    work.mkdir()
    day_ago = time.time() - 2 * 86400
    os.utime(spool, (day_ago, day_ago))
    os.utime(work, (day_ago, day_ago))
    fresh = scratch / "in-use.upload"
    fresh.write_bytes(b"y")
    # bytes a killed server put in the store but never recorded
    stamp = int(engage.clock.now().timestamp())
    engage.store.put(f"incoming/{stamp}-deadbeef", io.BytesIO(b"orphan"))
    engage.clock.advance(days=2)  # type: ignore[attr-defined]
    engage.jobs.enqueue(CLEANUP_JOB)
    assert setup.admin.get(f"{base}/{started['id']}").json()["status"] == "expired"
    assert [k for k in setup.stored() if k.startswith("uploads/")] == []
    assert not spool.exists() and not work.exists() and fresh.exists()
    assert [k for k in setup.stored() if k.startswith("incoming/")] == []


class _Flaky:
    """An object store whose reads of raw uploads fail (a store that is down for the job)."""

    def __init__(self, inner: ObjectStore) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def open(self, key: str) -> BinaryIO:
        if key.startswith("incoming/"):
            raise ObjectStoreError("the object store did not answer")
        return self.inner.open(key)


def test_a_preparation_that_keeps_failing_marks_the_artifact_failed(
    setup: CaseSetup, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "backoff", lambda attempt: 0.0)
    engage = setup.world.engage
    engage.store = _Flaky(engage.store)  # type: ignore[assignment]
    r = setup.upload("logs", "a.log", KUBECOST_LOG)
    art = setup.final(r)
    assert art["status"] == "failed", art
    assert "gave up" in art["analysis_error"] and "did not answer" in art["analysis_error"]


def test_the_expanded_size_limit_rejects_a_big_archive(setup: CaseSetup) -> None:
    setup.world.engage.settings.quota_expanded_bytes = 64 * 1024
    archive = tar_gz([member("logs/cost-model.log", KUBECOST_LOG * 1000)])  # ~300 KB unpacked
    reason = setup.rejection(setup.upload("logs", "logs.tar.gz", archive))
    assert "unpack" in reason.lower() or "bytes" in reason.lower(), reason
    assert setup.kept() == [] and setup.stored() == []
