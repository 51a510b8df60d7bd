"""`engage slots` in-process through Typer's runner."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from engage.cli.app import app

runner = CliRunner()


def test_json_output_matches_the_example(fixtures_dir: Path) -> None:
    result = runner.invoke(
        app, ["slots", "--input", str(fixtures_dir / "slots" / "issue6.json"), "--json"]
    )
    assert result.exit_code == 0, result.output
    slots = json.loads(result.stdout)["slots"]
    assert len(slots) == 40
    assert slots[:2] == ["2026-03-02T14:00:00Z", "2026-03-02T14:15:00Z"]
    assert slots == sorted(slots)


def test_table_shows_each_required_persons_zone(fixtures_dir: Path) -> None:
    result = runner.invoke(
        app, ["slots", "-i", str(fixtures_dir / "slots" / "issue6.json")], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "ana (America/New_York)" in result.stdout and "raj (Asia/Kolkata)" in result.stdout
    # 2026-03-10 is after the US change (EDT) but India has no DST
    assert "Tue 2026-03-10 13:00" in result.stdout
    assert "Tue 2026-03-10 09:00 EDT" in result.stdout
    assert "Tue 2026-03-10 18:30 IST" in result.stdout


def test_ics_busy_is_applied(fixtures_dir: Path, tmp_path: Path) -> None:
    data = json.loads((fixtures_dir / "slots" / "issue6.json").read_text())
    data["people"]["ana"]["ics"] = "team.ics"  # the 10:00 stand-up blocks 15:00-15:30Z on 03-02
    shutil.copy(fixtures_dir / "slots" / "team.ics", tmp_path / "team.ics")
    (tmp_path / "in.json").write_text(json.dumps(data))
    result = runner.invoke(app, ["slots", "-i", str(tmp_path / "in.json"), "--json"])
    assert result.exit_code == 0, result.output
    slots = json.loads(result.stdout)["slots"]
    monday = [s[11:16] for s in slots if s.startswith("2026-03-02")]
    assert monday == [
        "14:00",
        "15:30",
        "15:45",
        "16:00",
        "16:15",
        "16:30",
        "16:45",
        "17:00",
        "17:15",
        "17:30",
    ]


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{"window": {"start": "x", "end": "y"}, "people": {}}')
    for args in (["-i", str(tmp_path / "bad.json")], ["-i", str(tmp_path / "none.json")]):
        result = runner.invoke(app, ["slots", *args])
        assert result.exit_code == 2
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
        assert "Traceback" not in result.output
