"""Scheduled jobs (retention, overdue reminders) and uploads cut off mid-stream over a real
socket: the connection drops, nothing is recorded, nothing is left in scratch."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
import uvicorn

from engage.api.app import create_api
from engage.bootstrap import Engage
from engage.domain.clock import FixedClock
from tests.integration.intake.conftest import KUBECOST_LOG, START, CaseSetup


def _clock(engage: Engage) -> FixedClock:
    assert isinstance(engage.clock, FixedClock)
    return engage.clock


def test_retention_deletes_after_the_org_days_and_records_it(setup: CaseSetup) -> None:
    engage = setup.world.engage
    with engage.uow() as uow:
        org = uow.orgs.get(setup.world.org_a)
        assert org is not None
        org.policy = {"retention_days": 7}
        uow.commit()
    # unique content: the database is shared by the whole run, the store is this test's own
    tag = f"{setup.case_id}-{uuid.uuid4().hex}\n".encode()
    old = setup.final(setup.upload("logs", "old.log", KUBECOST_LOG + tag))
    _clock(engage).advance(days=5)
    new = setup.final(setup.upload("logs", "new.log", KUBECOST_LOG + tag + b"x\n"))
    _clock(engage).advance(days=3)  # old is 8 days old, new 3
    engage.jobs.enqueue("artifact_retention")
    arts = {a["id"]: a for a in setup.artifacts()["artifacts"]}
    assert arts[old["id"]]["deleted_at"] is not None and arts[old["id"]]["status"] == "deleted"
    assert arts[old["id"]]["download_url"] is None
    assert arts[new["id"]]["deleted_at"] is None
    assert not engage.store.exists(old["content_key"])
    assert engage.store.exists(new["content_key"])
    r = setup.engineer.get(f"/api/v1/cases/{setup.case_id}/artifacts/{old['id']}/download")
    assert r.status_code == 410
    events = [e for e in setup.case()["timeline"] if e["kind"] == "artifact_deleted"]
    assert len(events) == 1 and events[0]["data"]["retention_days"] == 7
    # Findings of a deleted artifact no longer show on the case.
    assert all(f["artifact_id"] != old["id"] for f in setup.artifacts()["findings"])


def test_shared_content_survives_until_its_last_artifact_goes(setup: CaseSetup) -> None:
    engage = setup.world.engage
    a = setup.final(setup.upload("logs", "a.log", KUBECOST_LOG))
    _clock(engage).advance(days=20)
    b = setup.final(setup.upload("logs", "b.log", KUBECOST_LOG))
    assert a["content_key"] == b["content_key"]  # stored once
    _clock(engage).advance(days=15)  # a is 35 days old (default 30), b 15
    engage.jobs.enqueue("artifact_retention")
    assert engage.store.exists(b["content_key"])
    assert (
        setup.admin.get(f"/api/v1/cases/{setup.case_id}/artifacts/{b['id']}/download").status_code
        == 200
    )


def test_overdue_requests_remind_once_a_day(setup: CaseSetup) -> None:
    engage = setup.world.engage
    due = (START + timedelta(days=2)).isoformat()
    setup.request("har", due_at=due)
    engage.jobs.enqueue("diagnostic_reminders")
    reporter = setup.world["admin_a"].user.id
    assert reporter is not None
    with engage.uow() as uow:
        assert uow.intake.notifications(reporter) == []
    _clock(engage).advance(days=3)
    engage.jobs.enqueue("diagnostic_reminders")
    engage.jobs.enqueue("diagnostic_reminders")  # the same day: no second reminder
    with engage.uow() as uow:
        notes = uow.intake.notifications(reporter)
        assert [n.kind for n in notes] == ["diagnostics_overdue"]
        assert "HAR file" in notes[0].message and "this case" in notes[0].message
    _clock(engage).advance(days=1, minutes=1)
    engage.jobs.enqueue("diagnostic_reminders")
    with engage.uow() as uow:
        assert len(uow.intake.notifications(reporter)) == 2
    overdue = [e for e in setup.case()["timeline"] if e["kind"] == "diagnostics_overdue"]
    assert len(overdue) == 2
    assert {p.name for p in engage.periodic} >= {"diagnostic_reminders", "artifact_retention"}


@pytest.fixture
def server(setup: CaseSetup) -> Iterator[str]:
    """The API on a loopback port (uvicorn in a thread), for uploads cut off mid-body."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    srv = uvicorn.Server(
        uvicorn.Config(create_api(setup.world.engage), log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.02)
    yield f"127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


def _cut_off(address: str, path: str, token: str, headers: str, body: bytes) -> None:
    host, port = address.split(":")
    with socket.create_connection((host, int(port))) as conn:
        conn.sendall(
            f"POST {path} HTTP/1.1\r\nHost: {address}\r\n"
            f"Authorization: Bearer {token}\r\n{headers}"
            f"Content-Length: {len(body) * 10}\r\n\r\n".encode()
            + body
        )
        time.sleep(0.3)  # the server is now waiting for the rest; hang up instead


@pytest.mark.parametrize("shape", ["multipart", "raw"])
def test_interrupted_upload_leaves_no_artifact_and_no_row_change(
    setup: CaseSetup, server: str, shape: str
) -> None:
    row = setup.request("logs", expand="case")["rows"][0]["id"]
    path = f"/api/v1/cases/{setup.case_id}/artifacts?request={row}"
    if shape == "multipart":
        headers = "Content-Type: multipart/form-data; boundary=B\r\n"
        body = (
            b'--B\r\nContent-Disposition: form-data; name="kind"\r\n\r\nlogs\r\n--B\r\n'
            b'Content-Disposition: form-data; name="file"; filename="a.log"\r\n\r\n'
            + KUBECOST_LOG
            * 50
        )
    else:
        headers = "Content-Type: application/octet-stream\r\n"
        path += "&kind=logs"
        body = KUBECOST_LOG * 50
    _cut_off(server, path, setup.world["admin_a"].token, headers, body)
    scratch = setup.world.engage.settings.data_dir / "scratch"
    deadline = time.monotonic() + 10
    while [p for p in scratch.rglob("*") if p.is_file()] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in scratch.rglob("*") if p.is_file()], "partial upload left behind"
    assert setup.artifacts()["artifacts"] == []
    assert setup.diagnostics()["completeness"]["missing"][0]["status"] == "requested"
    # The same upload, complete this time, goes through.
    assert setup.upload("logs", "a.log", KUBECOST_LOG * 50, row=row).status_code == 201


def test_a_reminder_is_claimed_by_one_run_only(setup: CaseSetup) -> None:
    engage = setup.world.engage
    req = setup.request("har", due_at=(START + timedelta(days=1)).isoformat())
    now = START + timedelta(days=2)
    with engage.uow() as first, engage.uow() as second:
        assert first.intake.claim_reminder(req["id"], now, now - timedelta(hours=24))
        first.commit()
        # a concurrent run that listed the same overdue request loses the claim
        assert not second.intake.claim_reminder(req["id"], now, now - timedelta(hours=24))
    later = now + timedelta(hours=25)
    with engage.uow() as third:
        assert third.intake.claim_reminder(req["id"], later, later - timedelta(hours=24))


def test_json_bodies_are_counted_as_they_arrive(setup: CaseSetup) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"title": "'
        for _ in range(40):
            yield b"x" * 65536  # 2.5 MiB in all, with no Content-Length
        yield b'"}'

    r = setup.admin.post(
        "/api/v1/cases", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 413, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
