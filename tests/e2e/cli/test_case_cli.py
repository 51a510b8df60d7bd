"""The real `engage` CLI as a subprocess: server set-up commands and `engage case ...` over HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.e2e.conftest import LiveServer

MULTI = """SAML login loops and AWS cloud costs are missing

After signing in through Okta SAML our users are sent straight back to the login page, over
and over; the SAML response in the HAR looks valid.

Separately, the Cloud Costs page has shown no AWS spend for our payer account since last week;
the Athena CUR integration reports access denied on the cloud integration status page.
"""


def engage(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engage", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        input=stdin,
        cwd=cwd,
        timeout=120,
    )


@pytest.fixture
def as_support(live_server: LiveServer) -> dict[str, str]:
    return {
        "ENGAGE_URL": live_server.url,
        "ENGAGE_TOKEN": live_server.demo.tokens["sam@support.example"],
    }


@pytest.fixture
def as_customer(live_server: LiveServer) -> dict[str, str]:
    return {
        "ENGAGE_URL": live_server.url,
        "ENGAGE_TOKEN": live_server.demo.tokens["alice@acme.example"],
    }


def test_open_warns_on_multi_issue_then_split_and_show(
    tmp_path: Path, as_customer: dict[str, str], as_support: dict[str, str]
) -> None:
    f = tmp_path / "ticket.txt"
    f.write_text(MULTI)
    r = engage("case", "open", str(f), "--severity", "P2", "--json", env=as_customer)
    assert r.returncode == 0, r.stderr
    body = json.loads(r.stdout)
    assert body["scope"]["verdict"] == "multi"
    case_id = body["case"]["id"]
    r = engage(
        "case",
        "split",
        str(case_id),
        "--part",
        "SAML login loop|sso-auth",
        "--part",
        "AWS cloud costs missing|cloud-costs",
        env=as_support,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("split from") == 2
    r = engage("case", "show", str(case_id), "--json", env=as_support)
    shown = json.loads(r.stdout)
    assert sum(e["kind"] == "split_into" for e in shown["timeline"]) == 2


def test_comment_list_and_internal_notes(
    as_customer: dict[str, str], as_support: dict[str, str]
) -> None:
    r = engage("case", "list", "--json", env=as_customer)
    assert r.returncode == 0, r.stderr
    case_id = json.loads(r.stdout)["items"][0]["id"]  # one of the customer's own cases
    r = engage(
        "case",
        "comment",
        str(case_id),
        "-",
        "--internal",
        stdin="support-only theory",
        env=as_support,
    )
    assert r.returncode == 0, r.stderr
    r = engage("case", "comment", str(case_id), "note", "--internal", env=as_customer)
    assert r.returncode == 1 and "403" in r.stderr and "Traceback" not in r.stderr
    r = engage("case", "list", env=as_customer)
    assert r.returncode == 0 and "cases" in r.stdout


def test_bad_token_and_unreachable_server_are_one_line_errors(live_server: LiveServer) -> None:
    r = engage("case", "list", env={"ENGAGE_URL": live_server.url, "ENGAGE_TOKEN": "eng_bad"})
    assert r.returncode == 1 and r.stderr.startswith("engage: error: 401")
    r = engage("case", "list", env={"ENGAGE_URL": "http://127.0.0.1:9", "ENGAGE_TOKEN": "eng_x"})
    assert r.returncode == 1 and "cannot reach" in r.stderr
    r = engage(
        "case",
        "show",
        "999999",
        env={
            "ENGAGE_URL": live_server.url,
            "ENGAGE_TOKEN": live_server.demo.tokens["alice@acme.example"],
        },
    )
    assert r.returncode == 1 and "404" in r.stderr


def test_server_commands_on_a_fresh_database(tmp_path: Path) -> None:
    env = {
        "ENGAGE_DATABASE_URL": f"sqlite:///{tmp_path / 'e.db'}",
        "ENGAGE_DATA_DIR": str(tmp_path / "data"),
    }
    r = engage("demo", env=env)
    assert r.returncode == 1 and "engage db upgrade" in r.stderr
    assert engage("db", "upgrade", env=env).returncode == 0
    r = engage("demo", env=env)
    assert r.returncode == 0, r.stderr
    assert "alice@acme.example" in r.stdout and "engage-demo" in r.stdout
    r = engage("token", "create", "--user", "sam@support.example", env=env)
    assert r.returncode == 0 and r.stdout.strip().startswith("eng_")
    r = engage("token", "create", "--user", "nobody@x.example", env=env)
    assert r.returncode == 1 and "no user" in r.stderr
