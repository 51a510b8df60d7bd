"""Poll an IMAP mailbox for mail to ingest (``ENGAGE_IMAP_*``).

Each unseen message is handed to a callback; messages the callback accepted or refused for
good are flagged ``\\Seen`` and ``\\Deleted`` and expunged, transient failures stay unseen so
the next poll tries again.
"""

from __future__ import annotations

import imaplib
import ssl
from collections.abc import Callable

from engage.config import Settings


class ImapError(Exception):
    """The IMAP server could not be reached or refused a command."""


def _connect(settings: Settings, context: ssl.SSLContext | None) -> imaplib.IMAP4:
    assert settings.imap_host is not None
    context = context or ssl.create_default_context()
    if settings.imap_security == "tls":
        return imaplib.IMAP4_SSL(settings.imap_host, settings.imap_port, ssl_context=context)
    client = imaplib.IMAP4(settings.imap_host, settings.imap_port)
    if settings.imap_security == "starttls":
        client.starttls(ssl_context=context)
    return client


def poll(
    settings: Settings,
    handle: Callable[[bytes], bool],
    *,
    limit: int = 100,
    context: ssl.SSLContext | None = None,
) -> tuple[int, int]:
    """Hand up to `limit` unseen messages to `handle` (True: done with it, False: retry later).

    Returns (handled, kept for later).
    """
    if not settings.imap_host:
        raise ImapError("ENGAGE_IMAP_HOST is not set")
    try:
        client = _connect(settings, context)
        try:
            client.login(settings.imap_username or "", settings.imap_password or "")
            client.select(settings.imap_mailbox)
            _, found = client.uid("SEARCH", "UNSEEN")
            uids = [u.decode() for u in (found[0] or b"").split()[:limit]]
            handled = kept = 0
            for uid in uids:
                _, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")
                raw = next((p[1] for p in parts if isinstance(p, tuple)), None)
                if raw is not None and handle(bytes(raw)):
                    client.uid("STORE", uid, "+FLAGS", "(\\Seen \\Deleted)")
                    handled += 1
                else:
                    kept += 1
            if handled:
                client.expunge()
            return handled, kept
        finally:
            client.logout()
    except (imaplib.IMAP4.error, OSError) as exc:
        raise ImapError(f"IMAP {settings.imap_host}:{settings.imap_port}: {exc}") from exc
