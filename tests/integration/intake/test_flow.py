"""The whole loop through the API, on SQLite and PostgreSQL, with the filesystem and S3 stores:
request -> instructions -> upload -> validation -> sanitising -> analysis -> findings on the
case -> completeness and SLA state."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import Engine

from engage.bootstrap import Engage
from tests.integration.intake.conftest import (
    KUBECOST_LOG,
    CaseSetup,
    fixture_bytes,
    har_with_secrets,
    make_engage,
)
from tests.support.s3_server import S3Server


@pytest.fixture(params=["filesystem", "s3"])
def engage(request: pytest.FixtureRequest, migrated_engine: Engine, tmp_path: Path) -> Engage:
    """Both object stores behind the same container (S3 is moto_server on loopback)."""
    if request.param == "filesystem":
        return make_engage(migrated_engine, tmp_path / "data")
    server: S3Server = request.getfixturevalue("s3_server")
    return make_engage(
        migrated_engine, tmp_path / "data", store=server.store(f"engage-{uuid.uuid4().hex[:12]}")
    )


def _rows(setup: CaseSetup) -> dict[str, list[dict[str, object]]]:
    return {r["kind"]: r["rows"] for r in setup.diagnostics()["requests"]}


def test_request_upload_analyse_complete(setup: CaseSetup) -> None:
    case_id = setup.case_id
    heap = setup.request("heap-profile", expand="instance", note="while memory is high")
    assert [r["label"] for r in heap["rows"]] == [
        "prod / prod-east (kubecost)",
        "prod / prod-west (kubecost)",
        "staging / stg-1 (kubecost)",
    ]
    setup.request("har")
    setup.request("logs", expand="environment")
    state = setup.diagnostics()
    assert state["completeness"]["text"] == "0 of 6"
    assert len(state["completeness"]["missing"]) == 6
    case = setup.case()
    assert case["status"] == "waiting_on_customer"
    assert case["sla_flag"] == "paused"

    # Instructions are rendered for this case's clusters.
    har_text = next(r["instructions"] for r in state["requests"] if r["kind"] == "har")
    for words in (
        "Chrome",
        "Firefox",
        "Safari",
        "Preserve log",
        "with content",
        "not post it anywhere else",
        f"engage upload --case {case_id} --kind har",
    ):
        assert words in har_text
    heap_text = next(r["instructions"] for r in state["requests"] if r["kind"] == "heap-profile")
    assert "kubectl --context prod-west -n kubecost port-forward" in heap_text
    assert "/model/debug/pprof/heap" in heap_text

    rows = _rows(setup)
    # Heap profile for prod-east: validated, with its top allocation sites.
    r = setup.upload(
        "heap-profile", "heap.pb.gz", fixture_bytes("heap.pb.gz"), row=rows["heap-profile"][0]["id"]
    )
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "received"  # the answer comes before the work
    art = setup.final(r)
    assert art["status"] == "ready" and art["summary"] and art["size"] > 0
    # HAR: sanitised before storage; the original secrets never come back.
    r = setup.upload("har", "kubecost.har", har_with_secrets(), row=rows["har"][0]["id"])
    assert r.status_code == 201, r.text
    har = setup.final(r)
    body = setup.engineer.get(har["download_url"])
    assert body.status_code == 200
    assert b"s3cr3t-session-7f9a2b4c8d1e" not in body.content
    assert b"c2VjcmV0LXNpZw" not in body.content
    assert b"signal-metrics-collector-beta" in body.content  # the rest of the HAR is kept
    # Logs for prod: analysed, findings attach to the case with evidence.
    r = setup.upload("logs", "cost-model.log", KUBECOST_LOG, row=rows["logs"][0]["id"])
    assert r.status_code == 201, r.text
    listing = setup.artifacts()
    logs = next(a for a in listing["artifacts"] if a["kind"] == "logs")
    assert logs["status"] == "ready", logs
    finding = next(f for f in listing["findings"] if f["rule_id"] == "prometheus-invalid-address")
    assert finding["severity"] in ("error", "critical") and finding["evidence"]
    assert finding["artifact_id"] == logs["id"]

    state = setup.diagnostics()
    assert state["completeness"]["text"] == "3 of 6"
    assert setup.case()["status"] == "waiting_on_customer"

    # Support waives the rest: the case goes back to support and the assignee is told.
    for row in state["completeness"]["missing"]:
        w = setup.engineer.post(
            f"/api/v1/cases/{case_id}/diagnostic-rows/{row['id']}/waive",
            json={"reason": "prod-east shows the problem already"},
        )
        assert w.status_code == 200, w.text
        assert w.json()["status"] == "waived"
    state = setup.diagnostics()
    assert state["completeness"]["text"] == "6 of 6" and not state["completeness"]["missing"]
    case = setup.case()
    assert case["status"] == "waiting_on_support"
    kinds = [e["kind"] for e in case["timeline"]]
    assert "diagnostics_complete" in kinds and "artifact_downloaded" in kinds
    assert "analysis_finished" in kinds
    engage = setup.world.engage
    engineer_id = setup.world["engineer"].user.id
    assert engineer_id is not None
    with engage.uow() as uow:
        notes = uow.intake.notifications(engineer_id)
        assert [n.kind for n in notes] == ["diagnostics_complete"]
        assert uow.intake.downloads(har["id"])[0][0] == engineer_id
    # The store holds the sanitised bytes under their content hash.
    assert engage.store.exists(har["content_key"])


def test_reject_reopens_the_row_and_the_wait(setup: CaseSetup) -> None:
    req = setup.request("helm-values", expand="case")
    row = req["rows"][0]["id"]
    r = setup.upload(
        "helm-values",
        "values.yaml",
        b"kubecostToken: abc123secretvalue9876\nprometheus:\n  server: x\n",
        row=row,
    )
    assert r.status_code == 201, r.text
    assert setup.case()["status"] == "waiting_on_support"
    r = setup.engineer.post(
        f"/api/v1/cases/{setup.case_id}/diagnostic-rows/{row}/reject",
        json={"reason": "these are 1.x values; send the 2.x ones"},
    )
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert setup.case()["status"] == "waiting_on_customer"
    missing = setup.diagnostics()["completeness"]["missing"]
    assert [m["reason"] for m in missing] == ["these are 1.x values; send the 2.x ones"]
    # A customer may not waive or reject.
    r = setup.admin.post(
        f"/api/v1/cases/{setup.case_id}/diagnostic-rows/{row}/waive", json={"reason": "no"}
    )
    assert r.status_code == 403
