"""`engage token list|create|revoke` through the API, and as the operator on the database."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.cli.test_case_cli import engage
from tests.e2e.conftest import LiveServer


def test_create_list_and_revoke_through_the_api(live_server: LiveServer) -> None:
    env = {
        "ENGAGE_URL": live_server.url,
        "ENGAGE_TOKEN": live_server.demo.tokens["alice@acme.example"],
        "COLUMNS": "200",  # one table row per line
    }
    made = engage("token", "create", "--name", "cli-test", "--expires-in-days", "30", env=env)
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip()
    assert secret.startswith("eng_") and "shown once" in made.stderr
    listed = engage("token", "list", env=env)
    assert listed.returncode == 0 and "cli-test" in listed.stdout and secret not in listed.stdout
    mine = {**env, "ENGAGE_TOKEN": secret}
    assert engage("case", "list", env=mine).returncode == 0
    token_id = next(
        line.split("│")[1].strip() for line in listed.stdout.splitlines() if "cli-test" in line
    )
    revoked = engage("token", "revoke", token_id, env=env)
    assert revoked.returncode == 0, revoked.stderr
    after = engage("case", "list", env=mine)
    assert after.returncode == 1 and "401" in after.stderr
    bad = engage("token", "revoke", "99999999999", env=env)
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1


def test_operator_lists_and_revokes_on_the_database(tmp_path: Path) -> None:
    env = {
        "ENGAGE_DATABASE_URL": f"sqlite:///{tmp_path / 'e.db'}",
        "ENGAGE_DATA_DIR": str(tmp_path / "data"),
        "COLUMNS": "200",
    }
    assert engage("db", "upgrade", env=env).returncode == 0
    assert engage("demo", env=env).returncode == 0
    made = engage("token", "create", "--user", "sam@support.example", "--name", "ops", env=env)
    assert made.returncode == 0, made.stderr
    listed = engage("token", "list", "--user", "sam@support.example", env=env)
    assert listed.returncode == 0 and "ops" in listed.stdout
    token_id = next(
        line.split("│")[1].strip() for line in listed.stdout.splitlines() if " ops " in line
    )
    revoked = engage("token", "revoke", token_id, "--user", "sam@support.example", env=env)
    assert revoked.returncode == 0, revoked.stderr
    listed = engage("token", "list", "--user", "sam@support.example", env=env)
    row = next(line for line in listed.stdout.splitlines() if " ops " in line)
    cells = [cell.strip() for cell in row.split("│")]
    assert cells[7] not in ("", "-")  # the revoked column now holds when
