"""`engage mail`: take mail in the way an MTA delivers it (a pipe), or poll an IMAP mailbox."""

from __future__ import annotations

import logging
import sys

import typer

from engage.cli.errors import fail

mail_app = typer.Typer(help="Mail in: replies become comments, new mail opens cases.")
log = logging.getLogger("engage.mail")

# sysexits.h: what Postfix and Exim understand from a pipe transport
EX_OK, EX_DATAERR, EX_NOUSER, EX_TEMPFAIL = 0, 65, 67, 75
MAX_MESSAGE = 50 * 1024 * 1024


@mail_app.command("ingest")
def ingest(
    max_bytes: int = typer.Option(MAX_MESSAGE, help="Refuse larger messages (exit 65)."),
) -> None:
    """Read one RFC 5322 message on standard input and file it.

    Exit status as an MTA expects: 0 filed or ignored (auto-reply, loop, duplicate),
    67 unknown or not allowed sender or no such case (bounced), 65 not a usable message,
    75 temporary failure (the MTA keeps the message and retries).
    """
    raw = sys.stdin.buffer.read(max_bytes + 1)
    if len(raw) > max_bytes:
        fail(f"message larger than {max_bytes} bytes", EX_DATAERR)
    try:
        from engage.bootstrap import build
        from engage.bootstrap_mail import ingest as run
        from engage.services.mail_in import REFUSED, BadMessage

        engage = build()
    except Exception as exc:  # configuration or database not reachable: try again later
        fail(f"cannot start: {exc}", EX_TEMPFAIL)
    try:
        result = run(engage, raw)
    except BadMessage as exc:
        fail(str(exc), EX_DATAERR)
    except Exception as exc:  # database down, disk full ...: the MTA keeps it and retries
        log.exception("mail ingest failed")
        fail(f"temporary failure: {type(exc).__name__}: {exc}", EX_TEMPFAIL)
    finally:
        engage.close()
    where = f" case #{result.case_id}" if result.case_id else ""
    if result.outcome in REFUSED:
        fail(f"refused ({result.outcome.value.replace('_', ' ')}){where}", EX_NOUSER)
    print(f"{result.outcome.value}{where}")
    for note in result.notes:
        print(f"  {note}")


@mail_app.command("poll")
def poll() -> None:
    """Poll the IMAP mailbox (ENGAGE_IMAP_*) once and ingest what is unseen."""
    from engage.adapters.mail.imap import ImapError
    from engage.bootstrap import build
    from engage.bootstrap_mail import poll_imap

    engage = build()
    try:
        if not engage.settings.imap_host:
            fail("ENGAGE_IMAP_HOST is not set")
        poll_imap(engage)
    except ImapError as exc:
        fail(str(exc))
    finally:
        engage.close()


def register(app: typer.Typer) -> None:
    """Add `engage mail ...`."""
    app.add_typer(mail_app, name="mail")
