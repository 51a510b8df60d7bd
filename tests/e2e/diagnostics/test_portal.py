"""The diagnostics loop in the portal, in headless Chromium: support requests, the customer
reads the instructions and uploads per row, findings appear by severity, support waives the
rest and the case goes back to support."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from tests.e2e.conftest import LiveServer
from tests.e2e.diagnostics.conftest import CPU, HEAP

pytestmark = pytest.mark.browser

LOG = (
    b'2024-06-03T14:00:00.482913Z INF Starting cost-model (git commit "2.5.3")\n'
    b"2024-06-03T14:00:03.482913Z ERR No valid prometheus config file at prom.monitoring:9090."
    b' Error: Get "prom.monitoring:9090/api/v1/status/config": unsupported protocol scheme '
    b'"prom.monitoring"\n'
)


def _switch(page: Any, sign_in: Any, email: str) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    sign_in(page, email)


def _errors(page: Any) -> list[str]:
    """Script errors, CSP refusals and failed responses (the browser's own favicon aside)."""
    seen: list[str] = []
    page.on(
        "console",
        lambda m: (
            seen.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda e: seen.append(str(e)))
    page.on("response", lambda r: seen.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return seen


def test_request_upload_findings_waive(
    page: Any,
    sign_in: Any,
    live_server: LiveServer,
    acme_case: dict[str, Any],
    alice: httpx.Client,
    tmp_path: Path,
) -> None:
    console = _errors(page)
    case_id = acme_case["id"]
    url = f"/cases/{case_id}/diagnostics"

    # Support asks for a heap profile per instance and the logs of the case.
    sign_in(page, "sam@support.example")
    page.goto(url)
    page.get_by_label("Artifact kind").select_option("heap-profile")
    page.get_by_label("One per").select_option("instance")
    page.get_by_label("Note to the customer").fill("Take it while memory is high.")
    page.get_by_role("button", name="Request").click()
    page.get_by_label("Artifact kind").select_option("logs")
    page.get_by_label("One per").select_option("case")
    page.get_by_role("button", name="Request").click()
    assert "0 of 3" in page.locator("#completeness").inner_text()

    # The customer sees what is missing on the case page and follows the instructions.
    _switch(page, sign_in, "alice@acme.example")
    page.goto(f"/cases/{case_id}")
    panel = page.locator("#diagnostics")
    assert "0 of 3" in panel.inner_text()
    assert "prod-us-east-1" in panel.inner_text()
    assert page.locator("#case-title").is_visible()
    status = alice.get(f"/cases/{case_id}").json()
    assert status["status"] == "waiting_on_customer"
    panel.get_by_role("link", name=re.compile("Diagnostics")).click()
    heap = page.get_by_role("article", name="Heap profile")
    heap.get_by_text("How to provide it").click()
    instructions = heap.locator(".instructions .md")
    assert "/model/debug/pprof/heap" in instructions.inner_text()
    # rendered Markdown: headings and code blocks, no raw "##" or fences
    assert instructions.locator("pre code").count() >= 1
    assert "##" not in instructions.inner_text() and "```" not in instructions.inner_text()
    first_row = heap.locator("tbody tr").first
    heap_file = tmp_path / "heap.pb.gz"  # the name the customer sees echoed back
    heap_file.write_bytes(HEAP.read_bytes())
    first_row.locator("input[type=file]").set_input_files(str(heap_file))
    first_row.get_by_role("button", name="Upload").click()
    assert "Uploaded heap.pb.gz" in page.get_by_role("status").inner_text()
    # the answer comes before the checks; the page polls until the row is validated (a fast
    # worker may have finished before the answer was rendered: then it already says Ready)
    expect(page.locator("#artifacts")).to_contain_text(re.compile("updates by itself|Ready"))
    expect(heap.locator("tbody tr").first).to_contain_text("Validated", timeout=30_000)

    logs_file = tmp_path / "cost-model.log"
    logs_file.write_bytes(LOG)
    logs = page.get_by_role("article", name="Container logs")
    logs.locator("input[type=file]").set_input_files(str(logs_file))
    logs.get_by_role("button", name="Upload").click()
    page.get_by_role("status").wait_for()
    live_server.wait_for_jobs()  # analysis runs on the job runner
    page.reload()
    findings = page.locator("#findings")
    assert "prometheus-invalid-address" in findings.inner_text()
    assert "prom.monitoring" in (findings.locator(".evidence").first.text_content() or "")
    assert "2 of 3" in page.locator("#completeness").inner_text()

    # A wrong file is refused with a reason the customer can act on.
    remaining = heap.locator("tr.row-requested")
    remaining.locator("input[type=file]").set_input_files(str(CPU))
    remaining.get_by_role("button", name="Upload").click()
    expect(page.locator("tr.row-rejected")).to_contain_text("not a heap profile", timeout=30_000)
    expect(page.locator("#artifacts")).to_contain_text("Upload a corrected file")

    # Support waives the last row; the case goes back to support.
    _switch(page, sign_in, "sam@support.example")
    page.goto(url)
    row = page.locator("tr.row-rejected")
    row.get_by_text("Not needed?").click()
    row.get_by_placeholder("why it is not needed").fill("prod-us-east-1 shows it already")
    row.get_by_role("button", name="Waive").click()
    assert "3 of 3" in page.locator("#completeness").inner_text()
    assert alice.get(f"/cases/{case_id}").json()["status"] == "waiting_on_support"
    # Downloads are audited on the case.
    link = page.locator("#artifacts a").first
    with page.expect_download() as dl:
        link.click()
    assert dl.value.suggested_filename
    timeline = alice.get(f"/cases/{case_id}/timeline").json()
    assert any(e["kind"] == "artifact_downloaded" for e in timeline)
    # the refused CPU profile is rejected by its job (no failed response at all)
    assert console == [], console
