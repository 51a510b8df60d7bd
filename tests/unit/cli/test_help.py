"""`engage --help` groups commands by who runs them; flags carry no `<bool>` tag; slots help."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from engage.cli.app import HELP_PANELS, app

runner = CliRunner()
WIDE = {"COLUMNS": "200"}


def test_root_help_groups_server_and_customer_commands() -> None:
    result = runner.invoke(app, ["--help"], env=WIDE)
    assert result.exit_code == 0
    out = result.stdout
    positions = [out.index(title) for title, _ in HELP_PANELS]
    assert positions == sorted(positions)
    kit, cases, server = positions
    for name in ("serve ", "demo ", "worker ", "db ", "token "):
        assert out.index(name) > server, name
    for name in ("collect ", "redact ", "analyze ", "upload "):
        assert kit < out.index(name) < cases, name
    assert "Other commands" not in out


def test_no_bool_tags_on_flags() -> None:
    for args in (
        ["--help"],
        ["slots", "--help"],
        ["analyze", "--help"],
        ["versions", "check", "--help"],
    ):
        result = runner.invoke(app, args, env=WIDE)
        assert result.exit_code == 0
        assert "<bool>" not in result.stdout, args
    assert "<path>" in runner.invoke(app, ["slots", "--help"], env=WIDE).stdout


def test_slots_help_documents_the_json_shape() -> None:
    out = runner.invoke(app, ["slots", "--help"], env=WIDE).stdout
    for key in (
        "window",
        "duration_minutes",
        "people",
        "required",
        "groups",
        "tz",
        "weekly",
        "overrides",
        "busy",
        "ics",
        "--example",
        "Exit codes",
    ):
        assert key in out, key


def test_slots_example_is_a_working_input(tmp_path: Path) -> None:
    example = runner.invoke(app, ["slots", "--example"])
    assert example.exit_code == 0
    (tmp_path / "search.json").write_text(example.stdout)
    result = runner.invoke(app, ["slots", "-i", str(tmp_path / "search.json"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["slots"]


def test_slots_errors_state_the_whole_shape(tmp_path: Path) -> None:
    (tmp_path / "guess.json").write_text('{"participants": [{"name": "ana"}]}')
    for args in (["-i", str(tmp_path / "guess.json")], []):
        result = runner.invoke(app, ["slots", *args])
        assert result.exit_code == 2
        assert result.stderr.count("\n") == 1
        for key in ('"window"', '"people"', '"tz"', '"weekly"', '"required"', "--example"):
            assert key in result.stderr, key


def test_each_quick_verb_is_registered_by_the_module_named_for_it() -> None:
    import importlib

    import typer

    from engage.cli.app import COMMAND_MODULES, VERB_MODULES

    for verb, module in VERB_MODULES.items():
        assert module in COMMAND_MODULES, module
        alone = typer.Typer()
        importlib.import_module(f"engage.cli.{module}").register(alone)
        names = {c.name for c in alone.registered_commands} | {
            g.name for g in alone.registered_groups
        }
        assert verb in names, (verb, module, names)


def test_redact_starts_without_the_kubernetes_client_or_the_web_stack() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from engage.cli.app import main; sys.argv=['engage','redact','--help'];\n"
        "try: main()\nexcept SystemExit: pass\n"
        "print(sorted(m for m in ('kubernetes', 'fastapi', 'sqlalchemy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
