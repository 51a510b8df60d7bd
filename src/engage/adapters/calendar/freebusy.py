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
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
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


#: A calendar feed larger than this is refused while it downloads (not after).
MAX_ICS_BYTES = 5 * 1024 * 1024
Resolver = Callable[..., list[Any]]


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
    )


def resolve_checked(
    url: str, *, public_only: bool, resolve: Resolver = socket.getaddrinfo
) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """Resolve the URL's host once and return the address to connect to.

    With `public_only`, every address the name resolves to must be public: the server fetches
    feeds that users typed in, and must not be made to read internal services (SSRF).
    """
    host = urlsplit(url).hostname
    if not host:
        raise IcsBusyError(f"{url} has no host")
    try:
        infos = resolve(host, None, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise IcsBusyError(f"cannot resolve {host}: {exc}") from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise IcsBusyError(f"cannot resolve {host}")
    for address in addresses:
        if public_only and not _is_public(address):
            raise IcsBusyError(
                f"{url} points at a non-public address ({address}); "
                "calendar feeds must be reachable on the internet"
            )
    return addresses[0]


def check_public_url(url: str) -> None:
    """Refuse a URL whose host resolves to a loopback, private, link-local or reserved address."""
    resolve_checked(url, public_only=True)


def fetch_pinned(
    url: str,
    *,
    timeout: float = 10.0,
    public_only: bool = False,
    max_bytes: int = MAX_ICS_BYTES,
    resolve: Resolver = socket.getaddrinfo,
) -> bytes:
    """GET `url` from the address that was checked (no second lookup, so no DNS rebinding
    window), with the Host header and TLS name of the original host, at most `max_bytes`."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    address = resolve_checked(url, public_only=public_only, resolve=resolve)
    shown = f"[{address}]" if address.version == 6 else str(address)
    netloc = shown + (f":{parts.port}" if parts.port else "")
    pinned = parts._replace(netloc=netloc).geturl()
    host_header = host + (f":{parts.port}" if parts.port else "")
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            request = client.build_request(
                "GET", pinned, headers={"Host": host_header}, extensions={"sni_hostname": host}
            )
            response = client.send(request, stream=True)
            try:
                response.raise_for_status()
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > max_bytes:
                        raise IcsBusyError(f"{url} is larger than {max_bytes // 1024} KiB")
                return bytes(body)
            finally:
                response.close()
    except httpx.HTTPError as exc:
        raise IcsBusyError(f"cannot fetch {url}: {exc}") from exc


def read_ics(
    source: str,
    *,
    base_dir: Path | None = None,
    timeout: float = 10.0,
    public_only: bool = False,
    max_bytes: int = MAX_ICS_BYTES,
) -> bytes:
    """The bytes of an ICS feed (http, https or webcal URL) or file (relative to base_dir).

    With `public_only` (what the server uses) only URLs are read, never files, their host must
    be public, and redirects are not followed (a redirect could point inside). URLs are always
    fetched from the address that was resolved and checked, and capped at MAX_ICS_BYTES.
    """
    if source.startswith("webcal://"):
        source = "https://" + source.removeprefix("webcal://")
    if public_only and not source.startswith(("http://", "https://")):
        raise IcsBusyError("the server reads calendar feeds from http(s) or webcal URLs only")
    if source.startswith(("http://", "https://")):
        return fetch_pinned(source, timeout=timeout, public_only=public_only, max_bytes=max_bytes)
    path = Path(source) if base_dir is None else base_dir / source
    try:
        return path.read_bytes()
    except OSError as exc:
        raise IcsBusyError(f"cannot read {path}: {exc.strerror or exc}") from exc
