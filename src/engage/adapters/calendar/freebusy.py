"""Busy times from an ICS feed or file: events (recurrences expanded) and VFREEBUSY periods.

What counts as busy: every VEVENT occurrence that overlaps the window, except those marked
``TRANSP:TRANSPARENT`` (shown as free) or ``STATUS:CANCELLED``; and every FREEBUSY period whose
FBTYPE is not FREE. RRULE, RDATE, EXDATE and moved occurrences (RECURRENCE-ID) are expanded by
the recurring-ical-events library. All-day events (DATE values) and floating times are read in
the person's own zone, since that is what their calendar software shows them.
"""

from __future__ import annotations

import ipaddress
import socket
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
import icalendar
import recurring_ical_events

Block = tuple[datetime, datetime]


class IcsBusyError(ValueError):
    """An ICS source that cannot be read or parsed."""


def _instant(value: date | datetime, tz: ZoneInfo) -> datetime:
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0))
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


def _event_blocks(
    cal: icalendar.Calendar, start: datetime, end: datetime, tz: ZoneInfo
) -> list[Block]:
    blocks = []
    try:
        occurrences = recurring_ical_events.of(cal, components=["VEVENT"]).between(start, end)
    except Exception as exc:  # the library raises several kinds for broken rules
        raise IcsBusyError(f"cannot expand events: {exc}") from exc
    for event in occurrences:
        if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
            continue
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        first = _instant(event["DTSTART"].dt, tz)
        last = _instant(event["DTEND"].dt, tz) if "DTEND" in event else first
        blocks.append((first, last))
    return blocks


def _freebusy_blocks(cal: icalendar.Calendar, start: datetime, end: datetime) -> list[Block]:
    blocks = []
    for component in cal.walk("VFREEBUSY"):
        props = component.get("FREEBUSY", [])
        for prop in props if isinstance(props, list) else [props]:
            if str(prop.params.get("FBTYPE", "BUSY")).upper() == "FREE":
                continue
            # icalendar 7 yields one vPeriod per period; older releases one list per line
            for period in getattr(prop, "dts", [prop]):
                first, second = period.dt
                last = first + second if isinstance(second, timedelta) else second
                blocks.append((first.astimezone(UTC), last.astimezone(UTC)))
    return [(a, b) for a, b in blocks if a < end and b > start]


def busy_from_ics(
    data: bytes | str, *, start: datetime, end: datetime, tz: str = "UTC"
) -> list[Block]:
    """Busy (start, end) UTC instants from ICS text that overlap [start, end), sorted."""
    try:
        cal = icalendar.Calendar.from_ical(data)
    except ValueError as exc:
        raise IcsBusyError(f"not an iCalendar file: {exc}") from exc
    zone = ZoneInfo(tz)
    blocks = _event_blocks(cal, start, end, zone) + _freebusy_blocks(cal, start, end)
    return sorted(blocks)


def check_public_url(url: str) -> None:
    """Refuse a URL whose host resolves to a loopback, private, link-local or reserved address.

    The server fetches feeds that users typed in; without this a feed URL could make it read
    internal services (server-side request forgery).
    """
    host = urlsplit(url).hostname
    if not host:
        raise IcsBusyError(f"{url} has no host")
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise IcsBusyError(f"cannot resolve {host}: {exc}") from exc
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if (
            address.is_private
            or address.is_loopback
            or address.is_link_local
            or address.is_reserved
            or address.is_multicast
            or address.is_unspecified
        ):
            raise IcsBusyError(
                f"{url} points at a non-public address ({address}); "
                "calendar feeds must be reachable on the internet"
            )


MAX_FEED_BYTES = 5 << 20  # a busy calendar for a year is well under 1 MB


def _capped(response: httpx.Response, source: str, max_bytes: int) -> bytes:
    """The body, read as it arrives and refused past `max_bytes`."""
    body = bytearray()
    for block in response.iter_bytes():
        body += block
        if len(body) > max_bytes:
            raise IcsBusyError(f"{source} sent more than {max_bytes:,} bytes; not a busy feed")
    return bytes(body)


def read_ics(
    source: str,
    *,
    base_dir: Path | None = None,
    timeout: float = 10.0,
    public_only: bool = False,
    max_bytes: int = MAX_FEED_BYTES,
) -> bytes:
    """The bytes of an ICS feed (http, https or webcal URL) or file (relative to base_dir).

    With `public_only` (what the server uses) only URLs are read, never files, their host must
    be public, and redirects are not followed (a redirect could point inside).
    """
    if source.startswith("webcal://"):
        source = "https://" + source.removeprefix("webcal://")
    if public_only and not source.startswith(("http://", "https://")):
        raise IcsBusyError("the server reads calendar feeds from http(s) or webcal URLs only")
    if source.startswith(("http://", "https://")):
        if public_only:
            check_public_url(source)
        try:
            with httpx.stream(
                "GET", source, timeout=timeout, follow_redirects=not public_only
            ) as response:
                response.raise_for_status()
                return _capped(response, source, max_bytes)
        except httpx.HTTPError as exc:
            raise IcsBusyError(f"cannot fetch {source}: {exc}") from exc
    path = Path(source) if base_dir is None else base_dir / source
    try:
        return path.read_bytes()
    except OSError as exc:
        raise IcsBusyError(f"cannot read {path}: {exc.strerror or exc}") from exc
