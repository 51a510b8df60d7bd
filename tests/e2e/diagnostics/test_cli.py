"""`engage upload` and `engage collect --upload` as subprocesses against a live server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from tests.e2e.conftest import LiveServer
from tests.e2e.diagnostics.conftest import CPU, HEAP
from tests.integration.collect.conftest import Fleet
from tests.support.k8s_scenarios import kubecost_2x_duckdb


def engage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engage", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=300,
    )


def _env(live_server: LiveServer, tmp_path: Path) -> dict[str, str]:
    return {
        "ENGAGE_URL": live_server.url,
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "ENGAGE_TOKEN": live_server.demo.tokens["alice@acme.example"],
    }


def test_upload_small_file_answers_a_request_row(
    live_server: LiveServer,
    tmp_path: Path,
    acme_case: dict[str, Any],
    sam: httpx.Client,
    alice: httpx.Client,
) -> None:
    case_id = acme_case["id"]
    req = sam.post(
        f"/cases/{case_id}/diagnostic-requests", json={"kind": "heap-profile", "expand": "instance"}
    ).json()
    row = req["rows"][0]["id"]
    heap = tmp_path / "heap.pb.gz"
    heap.write_bytes(HEAP.read_bytes())
    r = engage(
        "upload",
        "--case",
        str(case_id),
        "--request",
        str(row),
        str(heap),
        "--json",
        env=_env(live_server, tmp_path),
    )
    assert r.returncode == 0, r.stderr
    art = json.loads(r.stdout)
    assert art["kind"] == "heap-profile" and art["row_id"] == row
    assert art["status"] in ("analysing", "ready")  # the CLI waits until the file is checked
    live_server.wait_for_jobs()
    rows = alice.get(f"/cases/{case_id}/diagnostic-requests").json()["requests"][0]["rows"]
    assert rows[0]["status"] == "validated"
    # Bad input is one line on stderr and a non-zero exit.
    bad = engage(
        "upload",
        "--case",
        str(case_id),
        "--kind",
        "heap-profile",
        str(CPU),
        env=_env(live_server, tmp_path),
    )
    assert bad.returncode == 1
    assert bad.stderr.startswith(f"engage: error: {CPU.name} was rejected: ")
    assert "heap profile" in bad.stderr and bad.stderr.count("\n") == 1
    assert "Traceback" not in bad.stderr


def test_chunked_upload_resumes_after_an_interruption(
    live_server: LiveServer, tmp_path: Path, acme_case: dict[str, Any], alice: httpx.Client
) -> None:
    case_id = acme_case["id"]
    line = (
        b'2024-06-03T14:00:00.482913Z INF Starting cost-model (git commit "2.5.3")\n'
        b"2024-06-03T14:00:04.482913Z INF ETL: Allocation[1d]: Run: completed in 2.31s\n"
    )
    logs = tmp_path / "cost-model.log"
    logs.write_bytes(line * (3 * 2**20 // len(line)))  # about 3 MiB: four 1 MiB chunks
    size = logs.stat().st_size
    env = _env(live_server, tmp_path)
    # An earlier run got one chunk through and then lost its connection.
    started = alice.post(
        f"/cases/{case_id}/artifacts/uploads",
        json={"kind": "logs", "size": size, "name": logs.name},
    ).json()
    first = logs.read_bytes()[: 1 << 20]
    r = alice.put(
        f"/cases/{case_id}/artifacts/uploads/{started['id']}",
        content=first,
        headers={"Content-Range": f"bytes 0-{len(first) - 1}/{size}"},
    )
    assert r.json()["received"] == len(first)
    import hashlib

    digest = hashlib.sha256(logs.read_bytes()).hexdigest()
    state = (
        Path(env["XDG_CACHE_HOME"]) / "engage" / "uploads" / f"{digest[:32]}-{case_id}-logs-0.json"
    )
    state.parent.mkdir(parents=True)
    state.write_text(json.dumps({"id": started["id"], "url": live_server.url}))
    # A chunk out of order is refused; the server says where to continue.
    r = alice.put(
        f"/cases/{case_id}/artifacts/uploads/{started['id']}",
        content=b"x",
        headers={"Content-Range": f"bytes {2 << 20}-{2 << 20}/{size}"},
    )
    assert r.status_code == 409

    r = engage(
        "upload",
        "--case",
        str(case_id),
        "--kind",
        "logs",
        "--chunk-mb",
        "1",
        str(logs),
        "--json",
        env=env,
    )
    assert r.returncode == 0, r.stderr
    art = json.loads(r.stdout)
    assert art["kind"] == "logs" and art["status"] in ("analysing", "ready")
    live_server.wait_for_jobs()
    art = alice.get(f"/cases/{case_id}/artifacts/{art['id']}").json()
    assert art["status"] == "ready", art
    done = alice.get(f"/cases/{case_id}/artifacts/uploads/{started['id']}").json()
    assert done["status"] == "completed" and done["artifact_id"] == art["id"]
    assert not state.exists()
    # Completing again is harmless: the same artifact.
    again = alice.post(f"/cases/{case_id}/artifacts/uploads/{started['id']}/complete").json()
    assert again["id"] == art["id"]
    names = [
        a["original_name"] for a in alice.get(f"/cases/{case_id}/artifacts").json()["artifacts"]
    ]
    assert names.count("cost-model.log") == 1


def test_collect_upload_lands_on_the_case(
    live_server: LiveServer,
    tmp_path: Path,
    fleet: Fleet,
    acme_case: dict[str, Any],
    sam: httpx.Client,
    alice: httpx.Client,
) -> None:
    case_id = acme_case["id"]
    req = sam.post(
        f"/cases/{case_id}/diagnostic-requests", json={"kind": "engage-bundle", "expand": "case"}
    ).json()
    text = sam.get(f"/cases/{case_id}/instructions", params={"kind": "engage-bundle"}).text
    assert f"engage collect --case {case_id} --context prod-us-east-1" in text
    fleet.add(kubecost_2x_duckdb("prod", tmp_path / "db"))
    env = {**_env(live_server, tmp_path), "KUBECONFIG": fleet.kubeconfig("prod")}
    r = engage(
        "collect",
        "--context",
        "prod",
        "--case",
        str(case_id),
        "--upload",
        "--json",
        "-o",
        str(tmp_path / "bundle.tar.gz"),
        "--timeout",
        "60s",
        env=env,
    )
    assert r.returncode in (0, 3), r.stderr
    out = json.loads(r.stdout)
    assert out["upload"]["kind"] == "engage-bundle", out
    live_server.wait_for_jobs()
    listing = alice.get(f"/cases/{case_id}/artifacts").json()
    bundle = next(a for a in listing["artifacts"] if a["kind"] == "engage-bundle")
    assert bundle["status"] in ("ready", "failed"), bundle
    assert bundle["redaction"], "bundles carry their redaction report"
    # collect names no row; the case's one open bundle row is the one it answers.
    state = alice.get(f"/cases/{case_id}/diagnostic-requests").json()
    row = next(r for q in state["requests"] if q["id"] == req["id"] for r in q["rows"])
    assert bundle["row_id"] == row["id"] and row["status"] == "validated"
