"""A tiny IMAP4rev1 server for tests: one mailbox, plain TCP, the commands imaplib sends for
a poll (CAPABILITY, LOGIN, SELECT, UID SEARCH UNSEEN, UID FETCH BODY.PEEK[], UID STORE,
EXPUNGE, LOGOUT). Messages live in memory with their flags."""

from __future__ import annotations

import re
import socketserver
import threading
from dataclasses import dataclass, field


@dataclass
class Stored:
    """One message in the mailbox."""

    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


@dataclass
class Mailbox:
    """The mailbox the server serves, and the credentials it accepts."""

    user: str = "engage"
    password: str = "secret"
    messages: list[Stored] = field(default_factory=list)

    def add(self, raw: bytes) -> None:
        """Deliver a message."""
        self.messages.append(Stored(len(self.messages) + 1, raw))


class _Handler(socketserver.StreamRequestHandler):
    box: Mailbox

    def _send(self, line: str | bytes) -> None:
        data = line if isinstance(line, bytes) else line.encode()
        self.wfile.write(data + b"\r\n")

    def handle(self) -> None:
        self._send("* OK IMAP4rev1 test server ready")
        while line := self.rfile.readline():
            tag, _, rest = line.decode().strip().partition(" ")
            command, _, args = rest.partition(" ")
            if not self._dispatch(tag, command.upper(), args):
                return

    def _dispatch(self, tag: str, command: str, args: str) -> bool:
        box = self.box
        if command == "CAPABILITY":
            self._send("* CAPABILITY IMAP4rev1")
        elif command == "LOGIN":
            user, password = (a.strip('"') for a in args.split(" ", 1))
            if (user, password) != (box.user, box.password):
                self._send(f"{tag} NO [AUTHENTICATIONFAILED] invalid credentials")
                return True
        elif command == "SELECT":
            self._send(f"* {len(box.messages)} EXISTS")
            self._send(f"{tag} OK [READ-WRITE] SELECT completed")
            return True
        elif command == "UID":
            self._uid(tag, args)
            return True
        elif command == "EXPUNGE":
            box.messages[:] = [m for m in box.messages if "\\Deleted" not in m.flags]
        elif command == "LOGOUT":
            self._send("* BYE logging out")
            self._send(f"{tag} OK LOGOUT completed")
            return False
        else:
            self._send(f"{tag} BAD unknown command")
            return True
        self._send(f"{tag} OK {command} completed")
        return True

    def _uid(self, tag: str, args: str) -> None:
        sub, _, rest = args.partition(" ")
        sub = sub.upper()
        if sub == "SEARCH":
            uids = [str(m.uid) for m in self.box.messages if "\\Seen" not in m.flags]
            self._send("* SEARCH " + " ".join(uids))
        elif sub == "FETCH":
            uid = int(rest.split(" ", 1)[0])
            for n, m in enumerate(self.box.messages, start=1):
                if m.uid == uid:
                    head = f"* {n} FETCH (UID {uid} BODY[] {{{len(m.raw)}}}".encode()
                    self.wfile.write(head + b"\r\n" + m.raw + b")\r\n")
        elif sub == "STORE":
            uid = int(rest.split(" ", 1)[0])
            flags = set(re.findall(r"\\\w+", rest))
            for m in self.box.messages:
                if m.uid == uid:
                    m.flags |= flags
        self._send(f"{tag} OK UID {sub} completed")


class ImapServer:
    """Serves `box` on 127.0.0.1 and a free port from a thread."""

    def __init__(self, box: Mailbox) -> None:
        handler = type("Handler", (_Handler,), {"box": box})
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> ImapServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
