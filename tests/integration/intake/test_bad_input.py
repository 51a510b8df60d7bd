"""Hostile and broken uploads: each is refused with a reason (a 4xx from the cheap checks in
the request, or the artifact ``rejected`` by its preparation job), the row says why, and nothing
is stored or left behind in scratch."""

from __future__ import annotations

import io
import struct
import tarfile
import zipfile
from pathlib import Path

import duckdb
import pytest

from engage.diagnostics.artifacts import SIZE_LIMITS, ArtifactKind
from tests.integration.intake.conftest import (
    KUBECOST_LOG,
    CaseSetup,
    fixture_bytes,
    gzip_bytes,
    member,
    tar_gz,
)


def _bomb() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", compresslevel=9) as tar:
        info = tarfile.TarInfo("logs/huge.log")
        info.size = 300 << 20
        tar.addfile(info, io.BytesIO(bytes(info.size)))
    return buf.getvalue()


def _zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("logs/huge.log", bytes(300 << 20))
    return buf.getvalue()


ARCHIVES = {
    "absolute path": tar_gz([member("/etc/cron.d/evil", b"* * * * * root sh\n")]),
    "dot-dot": tar_gz([member("logs/../../escape.log", b"x\n")]),
    "symlink": tar_gz([member("logs/link", type=tarfile.SYMTYPE, linkname="/etc/passwd")]),
    "hard link": tar_gz(
        [member("logs/a.log"), member("logs/b.log", type=tarfile.LNKTYPE, linkname="logs/a.log")]
    ),
    "device": tar_gz([member("logs/dev", type=tarfile.CHRTYPE, devmajor=1, devminor=3)]),
    "too many members": tar_gz([member(f"logs/{i}.log") for i in range(20_001)]),
    "gzip bomb": _bomb(),
    "zip bomb": _zip_bomb(),
    "truncated gzip": gzip_bytes(KUBECOST_LOG * 2000)[:-4000],
}


@pytest.mark.parametrize("attack", list(ARCHIVES), ids=list(ARCHIVES))
def test_hostile_archives_are_rejected(setup: CaseSetup, attack: str, tmp_path: Path) -> None:
    row = setup.request("logs", expand="case")["rows"][0]["id"]
    r = setup.upload("logs", "logs.tar.gz", ARCHIVES[attack], row=row)
    reason = setup.rejection(r)
    assert reason
    missing = setup.diagnostics()["completeness"]["missing"]
    assert missing[0]["status"] == "rejected" and reason in missing[0]["reason"]
    assert setup.kept() == [] and setup.stored() == []
    scratch = setup.world.engage.settings.data_dir / "scratch"
    assert not [p for p in scratch.rglob("*") if p.is_file()], "scratch left behind"
    assert not (tmp_path.parent / "escape.log").exists()


def _png() -> bytes:
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", 13)
        + b"IHDR"
        + struct.pack(">II", 4, 3)
        + bytes(200)
    )


def _duckdb(path: Path) -> bytes:
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE node_1d AS SELECT range AS id, 'n' || range AS providerid FROM range(25)"
    )
    con.close()
    return path.read_bytes()


def _old_duckdb(path: Path) -> bytes:
    """A DuckDB file whose header names storage version 51 (DuckDB 0.8)."""
    data = bytearray(_duckdb(path))
    data[12:20] = struct.pack("<Q", 51)
    return bytes(data)


WRONG = {
    "png as heap profile": ("heap-profile", "heap.pb.gz", lambda p: _png(), "gzip"),
    "cpu profile as heap": (
        "heap-profile",
        "cpu.pb.gz",
        lambda p: fixture_bytes("cpu.pb.gz"),
        "not a heap profile",
    ),
    "invalid JSON HAR": ("har", "x.har", lambda p: b'{"log": {"entries": [', "JSON"),
    "JSON without entries": ("har", "x.har", lambda p: b'{"log": {}}', "HAR"),
    "text as database": ("aggregator-db", "db.read", lambda p: KUBECOST_LOG, "DuckDB"),
    "unreadable DuckDB": (
        "aggregator-db",
        "kubecost.duckdb.read",
        _old_duckdb,
        "storage version 51",
    ),
    "truncated heap": (
        "heap-profile",
        "heap.pb.gz",
        lambda p: fixture_bytes("heap.pb.gz")[:4000],
        "heap profile",
    ),
    "bundle without manifest": (
        "engage-bundle",
        "engage-bundle.tar.gz",
        lambda p: tar_gz([member("x/logs.txt")]),
        "manifest",
    ),
    "text as screenshot": ("screenshot", "s.png", lambda p: b"hello", "PNG"),
}


@pytest.mark.parametrize("case", list(WRONG), ids=list(WRONG))
def test_wrong_content_is_rejected_with_a_reason(
    setup: CaseSetup, case: str, tmp_path: Path
) -> None:
    kind, name, make, words = WRONG[case]
    row = setup.request(kind, expand="case")["rows"][0]["id"]
    r = setup.upload(kind, name, make(tmp_path / "db.duckdb"), row=row)
    reason = setup.rejection(r)
    assert words.lower() in reason.lower(), reason
    assert "Traceback" not in reason
    assert setup.kept() == [] and setup.stored() == []


def test_readable_database_and_screenshot_are_accepted(setup: CaseSetup, tmp_path: Path) -> None:
    row = setup.request("aggregator-db", expand="case")["rows"][0]["id"]
    r = setup.upload(
        "aggregator-db", "kubecost.duckdb.read", _duckdb(tmp_path / "a.duckdb"), row=row
    )
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "received"
    assert "node_1d" in str(setup.final(r)["summary"])
    shot = setup.request("screenshot")["rows"][0]["id"]
    r = setup.upload("screenshot", "s.png", _png(), row=shot)
    assert r.status_code == 201, r.text
    rows = {m["id"]: m for req in setup.diagnostics()["requests"] for m in req["rows"]}
    assert rows[row]["status"] == "validated"
    assert rows[shot]["status"] == "received"  # a person looks at screenshots
    v = setup.engineer.post(f"/api/v1/cases/{setup.case_id}/diagnostic-rows/{shot}/validate")
    assert v.status_code == 200 and v.json()["status"] == "validated"


def test_too_big_is_refused_while_streaming(
    setup: CaseSetup, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(SIZE_LIMITS, ArtifactKind.HELM_VALUES, 1000)
    r = setup.upload("helm-values", "values.yaml", b"a: b\n" * 400)
    assert r.status_code == 413, r.text
    assert "1,000 bytes" in r.json()["detail"]
    r = setup.admin.post(
        f"/api/v1/cases/{setup.case_id}/artifacts?kind=helm-values",
        content=b"a: b\n" * 400,
        headers={"Content-Type": "application/octet-stream"},
    )
    assert r.status_code == 413, r.text
    assert setup.artifacts()["artifacts"] == []
    scratch = setup.world.engage.settings.data_dir / "scratch"
    assert not [p for p in scratch.rglob("*") if p.is_file()]


def test_truncated_multipart_body_leaves_nothing(setup: CaseSetup) -> None:
    row = setup.request("logs", expand="case")["rows"][0]["id"]
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="kind"\r\n\r\nlogs\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.log"\r\n'
        b"Content-Type: text/plain\r\n\r\n" + KUBECOST_LOG
    )  # no closing boundary
    r = setup.admin.post(
        f"/api/v1/cases/{setup.case_id}/artifacts?request={row}",
        content=body,
        headers={"Content-Type": "multipart/form-data; boundary=XyZ"},
    )
    assert r.status_code == 400, r.text
    assert "ended before" in r.json()["detail"]
    assert setup.artifacts()["artifacts"] == []
    assert setup.diagnostics()["completeness"]["missing"][0]["status"] == "requested"


def test_idempotent_retry_does_not_duplicate(setup: CaseSetup) -> None:
    row = setup.request("logs", expand="case")["rows"][0]["id"]
    first = setup.upload("logs", "a.log", KUBECOST_LOG, row=row, **{"Idempotency-Key": "k-1"})
    again = setup.upload("logs", "a.log", KUBECOST_LOG, row=row, **{"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert len(setup.artifacts()["artifacts"]) == 1
    other = setup.upload(
        "logs", "b.log", KUBECOST_LOG + b"more\n", row=row, **{"Idempotency-Key": "k-1"}
    )
    assert other.status_code == 409


def test_rules_for_rows_kinds_and_policy(setup: CaseSetup) -> None:
    har_row = setup.request("har")["rows"][0]["id"]
    r = setup.upload("logs", "a.log", KUBECOST_LOG, row=har_row)
    assert r.status_code == 422 and "asks for har" in r.json()["detail"]
    r = setup.upload("logs", "a.log", KUBECOST_LOG, row=999_999)
    assert r.status_code == 404
    setup.engineer.post(
        f"/api/v1/cases/{setup.case_id}/diagnostic-rows/{har_row}/waive",
        json={"reason": "not needed"},
    )
    r = setup.upload("har", "x.har", b'{"log": {"entries": []}}', row=har_row)
    assert r.status_code == 409
    r = setup.upload("weird", "a.bin", b"x")
    assert r.status_code == 422 and "unknown artifact kind" in r.json()["detail"]
    r = setup.upload("other", "notes.bin", b"\x00\x01raw")
    assert r.status_code == 422 and "raw" in r.json()["detail"]
    r = setup.admin.post(
        f"/api/v1/cases/{setup.case_id}/artifacts",
        params={"kind": "logs", "name": "a.log\x00.txt"},
        content=KUBECOST_LOG,
        headers={"Content-Type": "application/octet-stream"},
    )
    assert r.status_code == 422 and "NUL" in r.json()["detail"], r.text
    r = setup.upload("logs", "..\\..\\a.log", KUBECOST_LOG, row=None)
    assert r.status_code == 201 and setup.final(r)["original_name"] == "a.log"
    r = setup.admin.post(
        f"/api/v1/cases/{setup.case_id}/artifacts",
        params={"kind": "logs", "name": "../../etc/pass.log"},
        content=KUBECOST_LOG + b"named\n",
        headers={"Content-Type": "application/octet-stream"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["original_name"] == "pass.log"
    download = setup.admin.get(f"/api/v1/cases/{setup.case_id}/artifacts/{r.json()['id']}/download")
    assert download.headers["content-disposition"] == "attachment; filename*=UTF-8''pass.log"
    with setup.world.engage.uow() as uow:
        org = uow.orgs.get(setup.world.org_a)
        assert org is not None
        org.policy = {"data_sharing": "raw"}
        uow.commit()
    assert setup.upload("other", "notes.bin", b"\x00\x01raw").status_code == 201
    with setup.world.engage.uow() as uow:
        org = uow.orgs.get(setup.world.org_a)
        assert org is not None
        org.policy = {"data_sharing": "findings-only"}
        uow.commit()
    r = setup.upload("logs", "a.log", KUBECOST_LOG)
    assert r.status_code == 422 and "findings only" in r.json()["detail"]
