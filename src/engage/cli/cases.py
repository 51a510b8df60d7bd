"""`engage case list|show|open|comment|split`: work cases on a server from the terminal."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from engage.cli.client import ApiClient
from engage.cli.errors import fail

case_app = typer.Typer(
    help="Work support cases on an engage server (ENGAGE_URL, ENGAGE_TOKEN).", no_args_is_help=True
)
out = Console()


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


@case_app.command("list")
def list_cases(
    status: list[str] = typer.Option([], help="Filter by status (repeatable)."),
    severity: list[str] = typer.Option([], help="Filter by severity (repeatable)."),
    at_risk: bool = typer.Option(False, help="Only cases whose SLA is at risk."),
    search: str | None = typer.Option(None, "--search", "-q", help="Full-text search."),
    limit: int = typer.Option(50, min=1, max=200),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List cases, soonest SLA due first."""
    params: dict[str, object] = {"status": status, "severity": severity, "limit": limit}
    if at_risk:
        params["at_risk"] = "true"
    if search:
        params["q"] = search
    page = ApiClient().get("/cases", params=params)
    if as_json:
        _print_json(page)
        return
    table = Table(title=f"{page['total']}{'+' if page['total_is_capped'] else ''} cases")
    for col in ("#", "sev", "status", "SLA", "due", "title"):
        table.add_column(col)
    for c in page["items"]:
        table.add_row(
            str(c["id"]),
            c["severity"],
            c["status"],
            c["sla_flag"],
            (c["sla_due_at"] or "")[:16],
            c["title"],
        )
    out.print(table)


@case_app.command("show")
def show(case_id: int, as_json: bool = typer.Option(False, "--json")) -> None:
    """Show a case: fields, SLA clocks, comments and timeline."""
    c = ApiClient().get(f"/cases/{case_id}")
    if as_json:
        _print_json(c)
        return
    out.print(
        Panel(
            c["description"] or "(no description)",
            title=f"#{c['id']} {c['title']}",
            subtitle=f"{c['severity']} · {c['area']} · {c['status']}",
        )
    )
    clocks = Table(title="SLA")
    for col in ("clock", "state", "due", "remaining (min)"):
        clocks.add_column(col)
    for k in c["sla"]:
        clocks.add_row(k["kind"], k["state"], (k["due_at"] or "")[:16], str(k["remaining_minutes"]))
    out.print(clocks)
    for cm in c["comments"]:
        label = "internal note" if cm["internal"] else "reply"
        out.print(
            Panel(cm["body"], title=f"{label} by user {cm['author_id']} at {cm['created_at'][:16]}")
        )
    out.print(f"allowed transitions: {', '.join(c['allowed_transitions']) or 'none'}")


def _read_case_file(path: Path) -> tuple[str, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {path}: {exc}")
    title, _, description = text.partition("\n")
    if not title.strip():
        fail(f"{path}: the first line must be the case title")
    return title.strip(), description.strip("\n")


@case_app.command("open")
def open_case(
    file: Path = typer.Argument(
        ..., help="Title on the first line, then a blank line and the description."
    ),
    severity: str = typer.Option("P3", help="P1..P4"),
    area: str | None = typer.Option(None, help="Component area (default: detected)."),
    org_id: int | None = typer.Option(None, help="Organisation (support only)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Open a case from a file; warns when it reads like more than one issue."""
    title, description = _read_case_file(file)
    body = {
        "title": title,
        "description": description,
        "severity": severity,
        "area": area,
        "org_id": org_id,
    }
    res = ApiClient().post(
        "/cases",
        json={k: v for k, v in body.items() if v is not None},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    if as_json:
        _print_json(res)
        return
    out.print(f"opened case #{res['case']['id']}: {res['case']['title']}")
    if res["scope"]["verdict"] == "multi":
        out.print("[yellow]this case reads like several issues:[/]")
        for p in res["scope"]["parts"]:
            out.print(f"  - {p['summary']} ({p['area']})")
        for r in res["scope"]["reasons"]:
            out.print(f"  why: {r}")
        out.print(f"split it with: engage case split {res['case']['id']} --part 'TITLE|AREA' ...")


@case_app.command("comment")
def comment(
    case_id: int,
    body: str = typer.Argument(..., help="Text, or - to read stdin."),
    internal: bool = typer.Option(False, help="Internal note (support only)."),
) -> None:
    """Reply on a case, or add an internal note."""
    text = sys.stdin.read() if body == "-" else body
    c = ApiClient().post(
        f"/cases/{case_id}/comments",
        json={"body": text, "internal": internal},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    out.print(f"comment {c['id']} added to case #{case_id}")


@case_app.command("split")
def split(
    case_id: int,
    part: list[str] = typer.Option(
        ..., help="'TITLE|AREA' or 'TITLE|AREA|DESCRIPTION' (repeatable)"
    ),
) -> None:
    """Split parts of a case into new linked cases."""
    parts = []
    for p in part:
        bits = p.split("|", 2)
        if len(bits) < 2:
            fail(f"--part {p!r}: use 'TITLE|AREA' or 'TITLE|AREA|DESCRIPTION'")
        parts.append(
            {
                "title": bits[0].strip(),
                "area": bits[1].strip(),
                "description": bits[2] if len(bits) > 2 else "",
            }
        )
    res = ApiClient().post(
        f"/cases/{case_id}/split",
        json={"parts": parts},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    for c in res["created"]:
        out.print(f"created case #{c['id']}: {c['title']} (split from #{case_id})")


def register(app: typer.Typer) -> None:
    """Add `engage case ...` to the root app."""
    app.add_typer(case_app, name="case")
