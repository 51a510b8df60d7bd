"""`engage scope-check FILE [--json]`: output shapes and one-line errors for bad files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from engage.cli.scope import register
from tests.unit.scope.scope_cases import FIXTURES

runner = CliRunner()


@pytest.fixture
def app() -> typer.Typer:
    """A root app with only this verb group, so other groups' state cannot interfere."""
    root = typer.Typer()

    @root.callback()
    def _root() -> None:
        """Test root."""

    register(root)
    return root


def test_json_output_has_exactly_the_documented_keys(app: typer.Typer) -> None:
    result = runner.invoke(
        app, ["scope-check", str(FIXTURES / "dev/m01_athena_and_okta.txt"), "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["verdict", "parts", "confidence", "reasons"]
    assert data["verdict"] == "multi"
    assert [p["area"] for p in data["parts"]] == ["cloud-costs", "sso-auth"]
    assert all(set(p) == {"summary", "area"} for p in data["parts"])
    assert 0.0 <= data["confidence"] <= 1.0
    assert any("Separately" in reason for reason in data["reasons"])


def test_rich_output_is_readable(app: typer.Typer) -> None:
    result = runner.invoke(app, ["scope-check", str(FIXTURES / "dev/s01_athena_cur_columns.txt")])
    assert result.exit_code == 0, result.output
    assert "One issue" in result.stdout
    assert "cloud-costs" in result.stdout
    assert "Why" in result.stdout


def test_registered_on_the_real_root_app() -> None:
    from engage.cli.app import app as root

    path = FIXTURES / "dev/s15_short_currency.txt"
    result = runner.invoke(root, ["scope-check", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["verdict"] == "single"


def test_crlf_and_bom_files_are_read(app: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "case.txt"
    path.write_bytes("\ufeffSAML login loops\r\n\r\nOkta SAML login loops back.\r\n".encode())
    result = runner.invoke(app, ["scope-check", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["parts"][0]["area"] == "sso-auth"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "empty file"),
        (b"   \n\n  \n", "empty file"),
        (b"Title only\nno blank line here\n", "expected a blank line after the title"),
        (b"Title only", "expected a blank line after the title"),
        (b"\n\nDescription without a title", "first line must be the case title"),
        (b"Title\n\n\x00\x01\x02binary", "binary file"),
        (b"Title\n\n\xff\xfe\xfa not utf-8", "not UTF-8 text"),
    ],
)
def test_bad_files_give_one_line_and_exit_1(
    app: typer.Typer, tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "case.txt"
    if content is not None:
        path.write_bytes(content)
    result = runner.invoke(app, ["scope-check", str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert "Traceback" not in result.output


def test_a_directory_is_refused(app: typer.Typer, tmp_path: Path) -> None:
    result = runner.invoke(app, ["scope-check", str(tmp_path)])
    assert result.exit_code == 1
    assert "not a regular file" in result.stderr


def test_quick_start_gives_the_same_json_as_typer(app: typer.Typer, tmp_path: Path) -> None:
    path = FIXTURES / "dev/m01_athena_and_okta.txt"
    through_typer = runner.invoke(app, ["scope-check", str(path), "--json"])
    quick = subprocess.run(
        [sys.executable, "-m", "engage", "scope-check", str(path), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert quick.returncode == 0, quick.stderr
    assert json.loads(quick.stdout) == json.loads(through_typer.stdout)
    missing = subprocess.run(
        [sys.executable, "-m", "engage", "scope-check", str(tmp_path / "nope.txt")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 1
    assert missing.stderr.strip() == f"error: {tmp_path / 'nope.txt'}: no such file"
    helped = subprocess.run(
        [sys.executable, "-m", "engage", "scope-check", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert helped.returncode == 0 and "--json" in helped.stdout


def test_scope_check_imports_neither_other_verb_groups_nor_numpy_at_start() -> None:
    code = (
        "import sys; import engage.cli.app as a; import engage.domain.scope; "
        "print(sorted(m for m in sys.modules if m.startswith(('engage.cli.', 'numpy')) and m != 'engage.cli.app'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]", out
