"""The `engage collect` and `engage bundle` commands, including upload to a loopback server."""

from __future__ import annotations

import email.parser
import email.policy
import tarfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from engage.cli.app import app
from tests.support.k8s_cluster import FakeCluster

from .conftest import Fleet

runner = CliRunner()


class Intake:
    """A tiny stand-in for the engage server's artifact endpoint, recording what arrives."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        intake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                    b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n" + body
                )
                parts = {
                    p.get_param("name", header="content-disposition"): p.get_payload(decode=True)
                    for p in msg.iter_parts()
                }
                intake.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "parts": parts}
                )
                reply = b'{"id": "art-1", "kind": "engage-bundle"}'
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def intake() -> Iterator[Intake]:
    i = Intake()
    yield i
    i.server.shutdown()
    i.server.server_close()


def test_collect_then_inspect(fleet: Fleet, prod: FakeCluster, tmp_path: Path) -> None:
    out = tmp_path / "b.tar.gz"
    res = runner.invoke(
        app,
        [
            "collect",
            "--kubeconfig",
            fleet.kubeconfig(),
            "-o",
            str(out),
            "--request-timeout",
            "5s",
            "--case",
            "CASE-7",
        ],
    )
    assert res.exit_code == 0, res.output
    assert res.stdout.strip() == str(out)
    res = runner.invoke(app, ["bundle", "inspect", str(out)])
    assert res.exit_code == 0, res.output
    assert "checksums verified" in res.stdout and "2.x-duckdb" in res.stdout


def test_inspect_catches_tampering(fleet: Fleet, prod: FakeCluster, tmp_path: Path) -> None:
    out = tmp_path / "b.tar.gz"
    assert (
        runner.invoke(
            app, ["collect", "--kubeconfig", fleet.kubeconfig(), "-o", str(out)]
        ).exit_code
        == 0
    )
    with tarfile.open(out) as tar:
        tar.extractall(tmp_path / "x", filter="data")
    log = next((tmp_path / "x").rglob("cost-model.log"))
    log.write_bytes(log.read_bytes() + b"edited\n")
    res = runner.invoke(app, ["bundle", "inspect", str(next((tmp_path / "x").iterdir()))])
    assert res.exit_code == 1
    assert "checksum mismatch" in res.stdout


def test_partial_bundle_exits_3(
    fleet: Fleet, prod: FakeCluster, hung: FakeCluster, tmp_path: Path
) -> None:
    res = runner.invoke(
        app,
        [
            "collect",
            "--kubeconfig",
            fleet.kubeconfig(),
            "--all-contexts",
            "-o",
            str(tmp_path / "b.tar.gz"),
            "--request-timeout",
            "1s",
        ],
    )
    assert res.exit_code == 3
    assert "dr: context dr: API server did not answer" in res.stderr


def test_upload_sends_bundle_with_idempotency_key(
    fleet: Fleet, prod: FakeCluster, tmp_path: Path, intake: Intake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENGAGE_URL", intake.url)
    monkeypatch.setenv("ENGAGE_TOKEN", "tok-123")
    out = tmp_path / "b.tar.gz"
    res = runner.invoke(
        app,
        [
            "collect",
            "--kubeconfig",
            fleet.kubeconfig(),
            "-o",
            str(out),
            "--case",
            "CASE-9",
            "--upload",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    (req,) = intake.requests
    assert req["path"] == "/api/v1/cases/CASE-9/artifacts"
    assert req["headers"]["Authorization"] == "Bearer tok-123"
    assert req["headers"]["Idempotency-Key"].startswith("engage-upload-")
    assert req["parts"]["kind"] == b"engage-bundle"
    assert req["parts"]["file"] == out.read_bytes()
    assert '"id": "art-1"' in res.stdout


def test_upload_needs_case(tmp_path: Path) -> None:
    res = runner.invoke(app, ["collect", "--upload"])
    assert res.exit_code == 2
    assert res.stderr.strip() == "engage: error: --upload needs --case ID"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--kubeconfig", "/nonexistent/kubeconfig"],
            "no kubeconfig found at /nonexistent/kubeconfig",
        ),
        (["--include", "everything"], "--include: unknown item(s) everything"),
        (["--since", "yesterday"], "not a duration: 'yesterday'"),
    ],
)
def test_bad_input_is_one_line(args: list[str], message: str) -> None:
    res = runner.invoke(app, ["collect", *args])
    assert res.exit_code in (1, 2)
    assert message in res.stderr
    assert "Traceback" not in res.output and len(res.stderr.strip().splitlines()) == 1


def test_unknown_context_message(fleet: Fleet, prod: FakeCluster) -> None:
    res = runner.invoke(app, ["collect", "--kubeconfig", fleet.kubeconfig(), "--context", "nope"])
    assert res.exit_code == 1
    assert "unknown context(s): nope (known: prod)" in res.stderr


def test_import_troubleshoot_bundle(fixtures_dir: Path, tmp_path: Path) -> None:
    src = fixtures_dir / "shared" / "k8s-logs" / "troubleshoot_testdata_support-bundle.tar.gz"
    res = runner.invoke(app, ["bundle", "import", str(src), "-o", str(tmp_path)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["bundle", "inspect", res.stdout.strip()])
    assert res.exit_code == 0 and "checksums verified" in res.stdout and "91 files" in res.stdout


def test_import_rejects_non_bundle(fixtures_dir: Path, tmp_path: Path) -> None:
    src = fixtures_dir / "shared" / "k8s-logs" / "troubleshoot_testdata_missing-version.tar.gz"
    res = runner.invoke(app, ["bundle", "import", str(src), "-o", str(tmp_path)])
    assert res.exit_code == 1
    assert "no cluster-resources" in res.stderr


def test_analyze_runs_on_the_bundle(fleet: Fleet, prod: FakeCluster, tmp_path: Path) -> None:
    import json

    res = runner.invoke(
        app,
        [
            "collect",
            "--kubeconfig",
            fleet.kubeconfig(),
            "-o",
            str(tmp_path / "b.tar.gz"),
            "--analyze",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    analysis = json.loads(res.stdout)["analysis"]
    assert isinstance(analysis, dict) and analysis


def _member(bundle: Path, name: str) -> bytes:
    with tarfile.open(bundle) as tar:
        (member,) = [m for m in tar.getmembers() if m.name.endswith(name)]
        data = tar.extractfile(member)
        assert data is not None
        return data.read()


def test_collect_pseudonymizes_when_asked(fleet: Fleet, prod: FakeCluster, tmp_path: Path) -> None:
    plain, pseudo = tmp_path / "plain.tar.gz", tmp_path / "pseudo.tar.gz"
    args = ["collect", "--kubeconfig", fleet.kubeconfig(), "--request-timeout", "5s"]
    assert runner.invoke(app, [*args, "-o", str(plain)]).exit_code == 0
    res = runner.invoke(app, [*args, "-o", str(pseudo), "--pseudonymize", "ips"])
    assert res.exit_code == 0, res.output
    assert b"10.42.1.1 " in _member(plain, "cost-analyzer-frontend.log")
    log = _member(pseudo, "cost-analyzer-frontend.log")
    assert b"10.42.1.1" not in log and "«redacted:ip:".encode() in log
    res = runner.invoke(app, [*args, "-o", str(tmp_path / "x.tar.gz"), "--pseudonymize", "ipz"])
    assert res.exit_code == 2 and "ipz" in res.output
