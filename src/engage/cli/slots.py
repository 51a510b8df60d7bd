"""`engage slots`: find times everyone can make, from a JSON file, without a server."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from engage.adapters.calendar.freebusy import IcsBusyError, busy_from_ics, read_ics
from engage.domain.availability import AvailabilityError, Person
from engage.domain.slots import SlotQuery, find_slots, people_from_dict, query_from_dict

#: The input shape in one line, appended to every input error so one message says it all.
SHAPE = (
    'expected {"window": {"start": ISO, "end": ISO}, "duration_minutes": N, '
    '"people": {NAME: {"tz": ZONE, "weekly": {"mon": [["09:00", "17:00"]], ...}, '
    '"overrides": {"YYYY-MM-DD": [...]}, "busy": [[ISO, ISO]], "ics": PATH_OR_URL}}, '
    '"required": [NAME, ...], "groups": [[NAME, ...]]}; '
    "`engage slots --example` prints a complete file"
)

HELP = """Find start times when every required person and one of each group is free.

The input is one JSON object; `engage slots --example > search.json` writes a complete one.

\b
window            {"start": ISO instant, "end": ISO instant} (with Z or +hh:mm)
duration_minutes  meeting length (required)
step_minutes      spacing of candidate starts (default 15)
min_notice_minutes, buffer_minutes (or buffer_before_ and buffer_after_minutes)
people            {NAME: PERSON, ...}
required          [NAME, ...]: all of them must be free
groups            [[NAME, ...], ...]: one person of each group must be free

\b
PERSON:
tz         IANA zone, e.g. "Europe/London" (required)
weekly     {"mon": [["09:00", "17:00"]], ..., "sun": [...]} (local hours)
overrides  {"YYYY-MM-DD": [["10:00", "14:00"]]}; [] means away that day
busy       [["2030-03-05T15:00:00Z", "2030-03-05T16:00:00Z"], ...]
ics        a calendar file (relative to the input) or URL, or a list of them

Exit codes: 0 = searched (also when nothing fits), 2 = the input is wrong; the
message says what is wrong and repeats the expected shape.
"""


def example_text() -> str:
    """The complete example input shipped with engage."""
    return resources.files("engage.cli").joinpath("data/slots-example.json").read_text("utf-8")


class InputError(Exception):
    """The input file cannot be read as a slot search."""


def _load(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise InputError(f"{path} must hold a JSON object")
    return data


def _ics_sources(spec: object) -> list[str]:
    sources = spec.get("ics", []) if isinstance(spec, dict) else []
    sources = [sources] if isinstance(sources, str) else sources
    if not (isinstance(sources, list) and all(isinstance(s, str) for s in sources)):
        raise InputError("ics must be a file path, a URL, or a list of them")
    return sources


def _with_ics_busy(
    people: dict[str, Person], data: Mapping[str, object], query: SlotQuery, base: Path
) -> dict[str, Person]:
    """Add busy blocks from each person's "ics" sources (files or feeds) for the search window."""
    specs = data.get("people", {})
    assert isinstance(specs, dict)  # people_from_dict has checked it
    start = query.window_start - query.buffer_before
    end = query.window_end + query.buffer_after
    for name, person in people.items():
        extra = [
            block
            for source in _ics_sources(specs[name])
            for block in busy_from_ics(
                read_ics(source, base_dir=base), start=start, end=end, tz=person.tz
            )
        ]
        if extra:
            people[name] = replace(person, busy=person.busy + tuple(extra))
    return people


def search(path: Path, *, now: datetime) -> tuple[dict[str, Person], SlotQuery, list[datetime]]:
    """Read the JSON file at ``path`` and run the slot search it describes."""
    data = _load(path)
    people = people_from_dict(data)
    query = query_from_dict(data, now=now)
    people = _with_ics_busy(people, data, query, path.parent)
    return people, query, find_slots(people, query)


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _table(people: Mapping[str, Person], query: SlotQuery, slots: list[datetime]) -> Table:
    shown = list(query.required) or sorted({n for g in query.groups for n in g})
    minutes = int(query.duration.total_seconds() // 60)
    table = Table(title=f"{len(slots)} start times for {minutes} minutes")
    table.add_column("UTC")
    for name in shown:
        table.add_column(f"{name} ({people[name].tz})")
    for slot in slots:
        local = [slot.astimezone(people[n].zone).strftime("%a %Y-%m-%d %H:%M %Z") for n in shown]
        table.add_row(slot.strftime("%a %Y-%m-%d %H:%M"), *local)
    return table


def slots(
    input_file: Path | None = typer.Option(
        None, "--input", "-i", help="The slot search, as JSON (shape above)."
    ),
    as_json: bool = typer.Option(False, "--json", help='Print {"slots": [...]} (UTC, ascending).'),
    example: bool = typer.Option(False, "--example", help="Print a complete example input."),
) -> None:
    """Find start times when every required person and one of each group is free."""
    if example:
        typer.echo(example_text(), nl=False)
        return
    if input_file is None:
        typer.echo("error: give the search with --input FILE; " + SHAPE, err=True)
        raise typer.Exit(2)
    try:
        people, query, found = search(input_file, now=datetime.now(UTC))
    except (InputError, AvailabilityError, IcsBusyError) as exc:
        typer.echo(f"error: {exc}; {SHAPE}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps({"slots": [_iso(s) for s in found]}))
    elif not found:
        Console(stderr=True).print("No start time suits everyone in this window.")
    else:
        Console().print(_table(people, query, found))


def register(app: typer.Typer) -> None:
    """Add the `slots` command to the root app."""
    app.command("slots", help=HELP)(slots)
