"""The portal's Jinja2 environment: templates, filters for times, labels and durations."""

from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from engage.web.deps import csrf_token
from engage.web.markdown import to_html

TEMPLATES_DIR = Path(__file__).parent / "templates"

#: The main navigation as (label, path); page modules of later features append theirs.
NAV: list[tuple[str, str]] = [("Cases", "/cases"), ("Open a case", "/cases/new")]

_LABELS = {
    "at_risk": "At risk",
    "sso-auth": "SSO / auth",
    "install-upgrade": "Install / upgrade",
    "aggregator-federation": "Aggregator / federation",
    "alerts-budgets-reports": "Alerts / budgets / reports",
    "savings-recommendations": "Savings / recommendations",
    "performance-memory": "Performance / memory",
    "networking": "Networking / network costs",
    "customer_replied": "Customer replied",
    "split_from": "Split from",
    "duplicate_of": "Duplicate of",
    "google_meet": "Google Meet",
    "zoom": "Zoom",
    "custom": "Customer's own meeting link",
    "take_back": "Back to support",
    "ask_customer": "Ask the customer",
    "schedule_session": "Session scheduled",
    "aggregator-db": "Aggregator database",
    "findings-only": "Findings only",
    "har": "HAR file",
    "engage-bundle": "engage diagnostics bundle",
    "logs": "Container logs",
    "heap-profile": "Heap profile",
    "no_screen_sharing": "No screen sharing",
}

#: Policy restrictions in the report ("none" as a restriction means no files are shared).
RESTRICTION_WORDS = {
    "findings-only": "Findings only",
    "har": "HAR file",
    "engage-bundle": "engage diagnostics bundle",
    "logs": "Container logs",
    "heap-profile": "Heap profile",
    "none": "No files shared",
    "no-screen-share": "No screen sharing",
}

#: Data-sharing levels in words (so "none" never reads like "no restriction").
SHARING_WORDS = {
    "raw": "Raw files: logs and exports as collected",
    "redacted": "Redacted files: secrets and identifiers removed before upload",
    "findings-only": "Findings only: the customer runs the analysis and shares its results",
    "none": "Nothing leaves the customer: support works from what is read out in sessions",
}

#: Network identities a policy may have pseudonymised: kind -> (name, what it covers). Names
#: read well inside a sentence; the portal capitalises the first letter where one starts.
PSEUDONYM_WORDS = {
    "ips": ("IP addresses", "IPv4 and IPv6, also where they are written into node names"),
    "macs": ("MAC addresses", "hardware addresses of network interfaces"),
    "hostnames": ("host and node names", "machine names and Kubernetes node names"),
    "domains": ("your domains", "your clusters' domains, found from their API and app addresses"),
    "emails": ("e-mail addresses", "anyone's address that appears in a file"),
    "accounts": ("cloud account ids", "AWS account ids, Azure subscriptions and resource groups"),
}


def label(value: object) -> str:
    """A human label for an enum value: `waiting_on_customer` -> `Waiting on customer`."""
    raw = str(getattr(value, "value", value))
    if raw in _LABELS:
        return _LABELS[raw]
    text = raw.replace("_", " ").replace("-", " ")
    return text[:1].upper() + text[1:]


def zone(tz: str | None) -> ZoneInfo:
    """The viewer's time zone, UTC when unknown."""
    try:
        return ZoneInfo(tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_time(at: datetime | None, tz: str | None) -> str:
    """`at` in the viewer's zone, e.g. `Tue 4 Mar 2025, 14:05 EST`; an em dash for None."""
    if at is None:
        return "—"
    here = at.astimezone(zone(tz))
    return f"{here:%a} {here.day} {here:%b %Y, %H:%M} {here.tzname()}"


def duration(minutes: float | None) -> str:
    """Minutes as `2d 3h 10m` (whole minutes, no sign)."""
    if minutes is None:
        return "—"
    total = round(abs(minutes))
    days, rest = divmod(total, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{mins}m" if mins else ""]
    return " ".join(p for p in parts if p) or "0m"


def due_words(at: datetime | None, now: datetime | None) -> str:
    """`due in 57 min`, `due in 2h 5m`, `overdue by 3d 4h`; empty when unknown."""
    if at is None or now is None:
        return ""
    minutes = (at - now).total_seconds() / 60
    if abs(minutes) < 1:
        return "due now"
    whole = round(abs(minutes))
    span = duration(whole) if whole >= 60 else f"{whole} min"
    if abs(minutes) >= 24 * 60:  # days and hours are enough at that range
        span = " ".join(span.split()[:2])
    return f"due in {span}" if minutes > 0 else f"overdue by {span}"


def make_templates() -> Jinja2Templates:
    """The template set with engage's filters registered."""
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    templates.env.filters["label"] = label
    templates.env.filters["duration"] = duration
    templates.env.filters["markdown"] = to_html
    templates.env.globals["local_time"] = local_time
    templates.env.globals["due_words"] = due_words
    templates.env.globals["nav"] = NAV
    templates.env.globals["sharing_words"] = SHARING_WORDS
    templates.env.globals["restriction_words"] = RESTRICTION_WORDS
    templates.env.globals["pseudonym_words"] = PSEUDONYM_WORDS
    templates.env.globals["new_key"] = lambda: secrets.token_urlsafe(16)
    templates.env.trim_blocks = True
    templates.env.lstrip_blocks = True
    return templates


templates = make_templates()


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    """Render `name` with the signed-in user and the CSRF token in the context."""
    ctx: dict[str, Any] = {
        "user": getattr(request.state, "viewer", None),
        "csrf_token": csrf_token(request),
        "flash": request.session.pop("flash", None),
    }
    ctx.update(context or {})
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)
