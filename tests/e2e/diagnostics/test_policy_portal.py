"""A findings-only organisation in the portal: support may only ask for findings, the customer
uploads `engage analyze --share findings` output, findings show and no file is stored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.e2e.conftest import LiveServer

from engage.diagnostics.analyze import analyze_path, share_findings
from engage.services.ports import CaseQuery

pytestmark = pytest.mark.browser

LOG = (
    b'2026-03-01T02:00:00Z INF Starting cost-model (git commit "2.5.3")\n'
    b"2026-03-01T02:01:00Z ERR Failed to query prometheus at http://prometheus-server.kubecost:80:"
    b" dial tcp 10.0.0.7:80: connect: connection refused\n"
)


@pytest.fixture
def globex_findings_only(live_server: LiveServer) -> Iterator[int]:
    """Globex shares findings only for this test; its first case id is yielded."""
    engage = live_server.engage
    with engage.uow() as uow:
        org = uow.orgs.by_slug("globex")
        assert org is not None and org.id is not None
        org.policy = {"data_sharing": "findings-only"}
        uow.commit()
        case_id = uow.cases.query(CaseQuery(org_ids=(org.id,)))[0][0].id
    yield case_id
    with engage.uow() as uow:
        org = uow.orgs.by_slug("globex")
        assert org is not None
        org.policy = {}
        uow.commit()


def test_findings_only_org_shares_findings_and_stores_no_file(
    page: Any, sign_in: Any, live_server: LiveServer, globex_findings_only: int, tmp_path: Path
) -> None:
    case_id = globex_findings_only
    stored_before = set(live_server.engage.store.keys())  # type: ignore[attr-defined]
    sign_in(page, "sam@support.example")
    page.goto(f"/cases/{case_id}/diagnostics")
    kinds = page.get_by_label("Artifact kind").locator("option").all_inner_texts()
    assert len(kinds) == 1 and "findings" in kinds[0].lower()
    page.get_by_label("One per").select_option("case")
    page.get_by_role("button", name="Request").click()

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "gina@globex.example")
    page.goto(f"/cases/{case_id}/diagnostics")
    article = page.get_by_role(
        "article", name="Analyzer findings (engage analyze --share findings)"
    )
    article.get_by_text("How to provide it").click()
    assert "--share findings" in article.locator("pre").first.inner_text()
    log = tmp_path / "cost-model.log"
    log.write_bytes(LOG)
    shared = tmp_path / "findings.json"
    shared.write_text(json.dumps(share_findings(analyze_path(log))))
    article.locator("input[type=file]").first.set_input_files(str(shared))
    article.get_by_role("button", name="Upload").first.click()
    assert "Uploaded findings.json" in page.get_by_role("status").inner_text()
    expect(page.locator("#findings")).to_contain_text("prometheus", timeout=30_000)
    assert set(live_server.engage.store.keys()) == stored_before  # type: ignore[attr-defined]
