"""Security policy at intake: refused kinds, findings-only end to end with no file stored,
break-glass, support downloads, and downloads on the organisation's audit trail."""

from __future__ import annotations

import json
import re
from pathlib import Path

from engage.bootstrap import Engage
from engage.diagnostics.analyze import analyze_path, share_findings
from tests.integration.intake.conftest import CaseSetup, fixture_bytes

LOG = (
    b'2026-03-01T02:00:00Z INF Starting cost-model (git commit "2.5.3")\n'
    b"2026-03-01T02:01:00Z ERR Failed to query prometheus at http://prometheus-server.kubecost:80:"
    b" dial tcp 10.0.0.7:80: connect: connection refused\n"
)


def _policy(setup: CaseSetup, **changes: object) -> None:
    r = setup.admin.patch(f"/api/v1/orgs/{setup.world.org_a}/policy", json=changes)
    assert r.status_code == 200, r.text


def _findings_json(tmp_path: Path) -> bytes:
    log = tmp_path / "cost-model.log"
    log.write_bytes(LOG)
    return json.dumps(share_findings(analyze_path(log))).encode()


def test_findings_only_org_works_a_case_without_any_stored_file(
    setup: CaseSetup, engage: Engage, tmp_path: Path
) -> None:
    _policy(setup, data_sharing="findings-only")
    kinds = setup.engineer.get(
        "/api/v1/diagnostics/kinds", params={"case_id": setup.case_id}
    ).json()
    assert [k["kind"] for k in kinds] == ["findings"]
    refused = setup.engineer.post(
        f"/api/v1/cases/{setup.case_id}/diagnostic-requests", json={"kind": "heap-profile"}
    )
    assert refused.status_code == 422 and "findings" in refused.json()["detail"]
    req = setup.request("findings", expand="case")
    assert setup.case()["status"] == "waiting_on_customer"
    guide = setup.admin.get(
        f"/api/v1/cases/{setup.case_id}/instructions", params={"kind": "findings"}
    )
    assert "--share findings" in guide.text
    har = setup.upload("har", "ui.har", fixture_bytes("chrome-postdata.har"))
    assert har.status_code == 422 and "engage analyze" in har.json()["detail"]
    row = req["rows"][0]["id"]
    r = setup.upload("findings", "findings.json", _findings_json(tmp_path), row=row)
    assert r.status_code == 201, r.text
    assert setup.case()["status"] == "waiting_on_support"  # the only row is done
    arts = setup.artifacts()
    assert [a["kind"] for a in arts["artifacts"]] == ["findings"]
    assert arts["findings"] and arts["findings"][0]["rule_id"]
    assert list(engage.store.keys()) == []  # nothing customer-side was ever stored
    aid = arts["artifacts"][0]["id"]
    gone = setup.engineer.get(f"/api/v1/cases/{setup.case_id}/artifacts/{aid}/download")
    assert gone.status_code == 410
    bad = setup.upload("findings", "findings.json", b'{"not": "findings"}')
    assert "--share findings" in setup.rejection(bad)


def test_none_policy_refuses_everything_and_break_glass_lets_one_kind_through(
    setup: CaseSetup,
) -> None:
    member = setup.world["member_a"]
    _policy(setup, data_sharing="none", break_glass_contacts=[member.user.email])
    r = setup.upload("har", "ui.har", fixture_bytes("chrome-postdata.har"))
    assert r.status_code == 422 and "no data" in r.json()["detail"]
    ok = member.client.post(
        f"/api/v1/cases/{setup.case_id}/break-glass",
        json={"kind": "har", "reason": "support must see the SAML redirect"},
    )
    assert ok.status_code == 201, ok.text
    r = setup.upload("har", "ui.har", fixture_bytes("chrome-postdata.har"))
    assert r.status_code == 201, r.text
    assert setup.upload("logs", "a.log", b"x\n").status_code == 422  # only the approved kind


def test_downloads_follow_policy_and_reach_the_audit_trail(setup: CaseSetup) -> None:
    r = setup.upload("har", "ui.har", fixture_bytes("chrome-postdata.har"))
    aid = r.json()["id"]
    url = f"/api/v1/cases/{setup.case_id}/artifacts/{aid}/download"
    assert setup.engineer.get(url).status_code == 200
    _policy(setup, support_may_download=False)
    assert setup.engineer.get(url).status_code == 403
    assert setup.admin.get(url).status_code == 200  # the uploading organisation still may
    audit = setup.world["manager"].client.get(f"/api/v1/orgs/{setup.world.org_a}/audit").json()
    kinds = [e["kind"] for e in audit]
    assert kinds.count("artifact_downloaded") == 2 and "policy_changed" in kinds


NETWORK_LOG = LOG + (
    b"2026-03-01T02:02:00Z WRN node ip-10-0-1-2.ec2.internal (10.0.1.2) not ready; "
    b"mail ops@acme.example\n"
)


def _uploaded_log(setup: CaseSetup) -> bytes:
    art = setup.final(setup.upload("logs", "cost-model.log", NETWORK_LOG))
    assert art["status"] in ("analysing", "ready"), art
    body = setup.engineer.get(art["download_url"])
    assert body.status_code == 200, body.text
    return body.content


def _guide(setup: CaseSetup, kind: str) -> str:
    r = setup.admin.get(f"/api/v1/cases/{setup.case_id}/instructions", params={"kind": kind})
    assert r.status_code == 200, r.text
    return r.text


def test_policy_pseudonymises_ips_in_uploads_the_server_redacts(setup: CaseSetup) -> None:
    _policy(setup, pseudonymize=["emails", "ips"])
    assert "--pseudonymize ips,emails" in _guide(setup, "logs")
    assert "--pseudonymize" not in _guide(setup, "heap-profile")  # not redacted: nothing to say
    assert "--pseudonymize ips,emails --upload" in _guide(setup, "engage-bundle")
    _policy(setup, pseudonymize=["ips"])
    text = _uploaded_log(setup)
    for address in (b"10.0.0.7", b"10.0.1.2", b"10-0-1-2"):
        assert address not in text
    assert text.count(b"\xc2\xabredacted:ip:") >= 3  # «redacted:ip:…», one per written form
    assert b"ops@acme.example" in text  # only the kinds the policy names
    assert b"connection refused" in text and text.count(b"\n") == NETWORK_LOG.count(b"\n")


def test_without_the_policy_uploads_keep_their_ips(setup: CaseSetup) -> None:
    assert "--pseudonymize" not in _guide(setup, "logs")
    text = _uploaded_log(setup)
    assert b"10.0.0.7" in text and b"10.0.1.2" in text
    assert b"redacted:ip:" not in text


def test_one_address_gets_one_token_in_every_upload_of_a_case(setup: CaseSetup) -> None:
    """The server redacts a case's uploads with the case's own key: support can see that two
    bundles name the same node, without seeing it."""
    _policy(setup, pseudonymize=["ips"])
    first, second = _uploaded_log(setup), _uploaded_log(setup)
    tokens = re.compile(rb"\xc2\xabredacted:ip:[0-9a-f]{6}\xc2\xbb")
    assert tokens.findall(first) and sorted(tokens.findall(first)) == sorted(tokens.findall(second))
