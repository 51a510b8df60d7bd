"""Schemathesis against a served engage, as a customer and as support: no 5xx, every status and
content type documented, responses match their schemas, unsupported methods answer 405."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.e2e.conftest import serve_in_thread

from engage.adapters.db.migrate import upgrade
from engage.bootstrap import build
from engage.config import Settings
from engage.services.demo import load_demo

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "unsupported_method",
]


@pytest.fixture(scope="module")
def fuzzed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """A server of its own (the fuzzer writes and revokes freely) with the demo tokens."""
    root = tmp_path_factory.mktemp("schemathesis")
    settings = Settings(database_url=f"sqlite:///{root / 'engage.db'}", data_dir=root / "data")
    engage = build(settings)
    upgrade(engage.engine)
    demo = load_demo(engage.uow(), engage.clock)
    server, thread, url = serve_in_thread(engage)
    try:
        yield url, demo.tokens
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engage.close()


@pytest.mark.parametrize("role", ["customer", "support"])
def test_schemathesis_finds_no_5xx_and_no_schema_violation(
    fuzzed_server: tuple[str, dict[str, str]], role: str, tmp_path: Path
) -> None:
    if not SCHEMATHESIS.exists() and shutil.which("schemathesis") is None:
        pytest.skip("schemathesis is not installed (dev dependency)")
    url, tokens = fuzzed_server
    email = next(e for e in tokens if ("support" in e) == (role == "support"))
    command = [
        str(SCHEMATHESIS if SCHEMATHESIS.exists() else "schemathesis"),
        "--no-color",
        "run",
        f"{url}/api/v1/openapi.json",
        "--header",
        f"Authorization: Bearer {tokens[email]}",
        "--checks",
        ",".join(CHECKS),
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        os.environ.get("ENGAGE_SCHEMATHESIS_EXAMPLES", "3"),
        "--seed",
        "13",
        # Revoking the fuzzer's own token would turn the rest of the run into 401s.
        "--exclude-operation-id",
        "revoke_token_api_v1_tokens__token_id__delete",
        "--workers",
        "1",
    ]
    run = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False
    )
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
    assert "passed" in run.stdout  # it really ran the operations
