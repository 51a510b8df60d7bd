"""The diagnostics page reads several tables without one snapshot; a job that finishes an
upload between those reads must never leave the page showing a stale row and no longer polling."""

from __future__ import annotations

from typing import Any

import pytest

from engage.services import diagnostics as diagnostics_svc
from engage.services import preparation
from engage.web.pages import diagnostics as page
from tests.integration.intake.conftest import CaseSetup, fixture_bytes


def test_a_rejection_between_the_page_reads_keeps_the_page_polling(
    setup: CaseSetup, monkeypatch: pytest.MonkeyPatch
) -> None:
    engage = setup.world.engage
    monkeypatch.setattr(engage.jobs, "eager", False)  # the upload waits for a worker
    row = setup.request("heap-profile", expand="case")["rows"][0]["id"]
    r = setup.upload("heap-profile", "cpu.pb.gz", fixture_bytes("cpu.pb.gz"), row=row)
    assert r.status_code == 201, r.text
    artifact_id = r.json()["id"]
    actor = setup.world["admin_a"].user
    reads: list[str] = []

    def worker_commits() -> None:
        """The preparation job rejecting the upload, in its own transaction."""
        with engage.uow() as uow:
            art = uow.intake.get_artifact(artifact_id)
            assert art is not None and art.status == "received"
            preparation.reject(uow, engage.clock, engage.store, art, "not a heap profile")

    def after_first_read(name: str, result: Any) -> Any:
        reads.append(name)
        if len(reads) == 1:
            worker_commits()
        return result

    view = diagnostics_svc.view_diagnostics
    monkeypatch.setattr(
        diagnostics_svc,
        "view_diagnostics",
        lambda *a, **k: after_first_read("rows", view(*a, **k)),
    )
    with engage.uow() as uow:
        listing = uow.intake.artifacts
        monkeypatch.setattr(
            uow.intake, "artifacts", lambda *a, **k: after_first_read("artifacts", listing(*a, **k))
        )
        ctx = page.page_context(engage, uow, actor, setup.case_id)
    assert reads[:2] in (["rows", "artifacts"], ["artifacts", "rows"])
    rows = {m.id: m for rv in ctx["diag"].requests for m in rv.rows}
    shown = {a.id: a.status for a in ctx["artifacts"]}
    # either the page saw the upload in flight (and polls again), or it shows the rejection
    # everywhere; never a finished artifact beside a row still waiting for it
    if not ctx["in_flight"]:
        assert shown[artifact_id] == "rejected"
        assert rows[row].status.value == "rejected", (shown, rows[row])
    else:
        assert shown[artifact_id] == "received"
