"""A loopback stand-in for the Google Calendar API's events resource, with Meet conferences.

It speaks the documented shapes: ``POST /calendar/v3/calendars/{calendarId}/events`` (events.insert,
honouring ``conferenceData.createRequest`` only with ``conferenceDataVersion=1``, as Google
does), ``GET``/``PATCH``/``DELETE .../events/{eventId}``, Google's error envelope
``{"error": {"code", "message", "errors": [{"domain", "reason", "message"}], "status"}}``,
client-chosen ids (base32hex, 409 ``duplicate`` when reused) and 410 for deleting twice.
Tests script trouble: ``fail_next`` (429 with Retry-After, 403 rateLimitExceeded, 5xx),
``revoke_token`` (401) and ``pending_polls`` (conference creation still pending).

``JsonApiServer`` is the small threaded HTTP server both stand-ins are built on.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

Reply = tuple[int, dict[str, str], Any]


@dataclass
class Recorded:
    """One request the server received."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class Fault:
    """A scripted failure for the next matching request."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    path_prefix: str = ""


class JsonApiServer:
    """A threaded JSON-over-HTTP server on 127.0.0.1 with scripted faults and a request log."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.faults: deque[Fault] = deque()
        self.lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` once started."""
        assert self._httpd is not None, "start() the server first"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def start(self) -> Self:
        """Listen on a free loopback port in a background thread."""
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, headers, body = server.dispatch(
                    self.command, self.path, dict(self.headers), raw
                )
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if body is not None:
                    self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

            def log_message(self, *args: object) -> None:
                """Keep test output quiet."""

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def fail_next(
        self,
        status: int,
        *,
        times: int = 1,
        retry_after: str | None = None,
        body: Any = None,
        path_prefix: str = "",
    ) -> None:
        """Answer the next ``times`` requests (under ``path_prefix``) with ``status``."""
        headers = {} if retry_after is None else {"Retry-After": retry_after}
        fault = Fault(
            status, body if body is not None else self.error_body(status), headers, path_prefix
        )
        with self.lock:
            self.faults.extend([fault] * times)

    def error_body(self, status: int) -> Any:
        """The provider's error body for a status (overridden per provider)."""
        return {"message": f"HTTP {status}"}

    def dispatch(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> Reply:
        """Log the request, apply a scripted fault if one matches, else route it."""
        parts = urlsplit(target)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            return 400, {}, self.error_body(400)
        with self.lock:
            self.requests.append(Recorded(method, parts.path, query, headers, body))
            fault = next((f for f in self.faults if parts.path.startswith(f.path_prefix)), None)
            if fault is not None:
                self.faults.remove(fault)
                return fault.status, fault.headers, fault.body
            return self.route(method, parts.path, query, headers, body)

    def route(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: Any
    ) -> Reply:
        """Answer one request (overridden per provider)."""
        return 404, {}, self.error_body(404)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


_EVENTS = re.compile(r"^/calendar/v3/calendars/([^/]+)/events(?:/([^/]+))?$")
_EVENT_ID = re.compile(r"^[a-v0-9]{5,1024}$")
_REASONS = {
    400: "badRequest",
    401: "authError",
    403: "forbidden",
    404: "notFound",
    409: "duplicate",
    410: "deleted",
    429: "rateLimitExceeded",
    500: "backendError",
    503: "backendError",
}
_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


class FakeGoogleCalendar(JsonApiServer):
    """Calendar API events with Meet conferences, for one valid bearer token."""

    def __init__(self, token: str = "ya29.test-token", *, pending_polls: int = 0) -> None:
        super().__init__()
        self.token = token
        self.pending_polls = pending_polls
        self.events: dict[str, dict[str, Any]] = {}
        self.deleted: set[str] = set()
        self._polls_left: dict[str, int] = {}

    def revoke_token(self) -> None:
        """From now on the token is refused with 401."""
        self.token = "revoked:" + secrets.token_hex(4)

    def error_body(self, status: int, message: str = "") -> Any:
        """Google's JSON error envelope."""
        reason = _REASONS.get(status, "backendError")
        text = message or {
            401: "Request had invalid authentication credentials.",
            429: "Rate Limit Exceeded",
            409: "The requested identifier already exists.",
            410: "Resource has been deleted",
        }.get(status, f"HTTP {status}")
        return {
            "error": {
                "code": status,
                "message": text,
                "errors": [{"domain": "global", "reason": reason, "message": text}],
                "status": _STATUS.get(status, "UNKNOWN"),
            }
        }

    def route(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: Any
    ) -> Reply:
        """Dispatch events.insert / get / patch / delete."""
        if headers.get("Authorization") != f"Bearer {self.token}":
            return (
                401,
                {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
                self.error_body(401),
            )
        match = _EVENTS.match(path)
        if not match:
            return 404, {}, self.error_body(404, "Not Found")
        calendar, eid = match.groups()
        if eid is None:
            return (
                self._insert(calendar, query, body)
                if method == "POST"
                else (404, {}, self.error_body(404))
            )
        if eid in self.deleted:
            return 410, {}, self.error_body(410)
        if eid not in self.events:
            return 404, {}, self.error_body(404, "Not Found")
        handler = {"GET": self._get, "PATCH": self._patch, "DELETE": self._delete}.get(method)
        return handler(eid, query, body) if handler else (404, {}, self.error_body(404))

    def _insert(self, calendar: str, query: dict[str, str], body: Any) -> Reply:
        if (
            not isinstance(body, dict)
            or "dateTime" not in body.get("start", {})
            or "end" not in body
        ):
            return 400, {}, self.error_body(400, "Missing start or end time.")
        eid = body.get("id") or secrets.token_hex(13)
        if not _EVENT_ID.match(eid):
            return 400, {}, self.error_body(400, "Invalid resource id value.")
        if eid in self.events or eid in self.deleted:
            return 409, {}, self.error_body(409)
        event = {
            "kind": "calendar#event",
            "etag": f'"{secrets.randbits(48)}"',
            "id": eid,
            "status": "confirmed",
            "htmlLink": f"https://www.google.com/calendar/event?eid={eid}",
            "created": _now(),
            "updated": _now(),
            "summary": body.get("summary", ""),
            "description": body.get("description", ""),
            "creator": {"email": "support@engage.test", "self": True},
            "organizer": {
                "email": calendar if "@" in calendar else "support@engage.test",
                "self": True,
            },
            "start": body["start"],
            "end": body["end"],
            "iCalUID": f"{eid}@google.com",
            "sequence": 0,
            "attendees": [
                {"email": a["email"], "responseStatus": "needsAction"}
                for a in body.get("attendees", [])
            ],
            "reminders": {"useDefault": True},
            "eventType": "default",
        }
        create = body.get("conferenceData", {}).get("createRequest")
        if create and query.get("conferenceDataVersion") == "1":  # ignored otherwise, as by Google
            event["conferenceData"] = {
                "createRequest": {**create, "status": {"statusCode": "pending"}}
            }
            self._polls_left[eid] = self.pending_polls
            if self.pending_polls == 0:
                self._conference_ready(event)
        self.events[eid] = event
        return 200, {}, event

    def _conference_ready(self, event: dict[str, Any]) -> None:
        code = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(10))
        code = f"{code[:3]}-{code[3:7]}-{code[7:]}"
        pin = "".join(secrets.choice("0123456789") for _ in range(9))
        event["hangoutLink"] = f"https://meet.google.com/{code}"
        data = event["conferenceData"]
        data["createRequest"]["status"] = {"statusCode": "success"}
        data["entryPoints"] = [
            {
                "entryPointType": "video",
                "uri": f"https://meet.google.com/{code}",
                "label": f"meet.google.com/{code}",
            },
            {
                "entryPointType": "phone",
                "uri": "tel:+1-650-555-0142",
                "label": "+1 650-555-0142",
                "pin": pin,
                "regionCode": "US",
            },
            {"entryPointType": "more", "uri": f"https://tel.meet/{code}?pin={pin}", "pin": pin},
        ]
        data["conferenceSolution"] = {
            "key": {"type": "hangoutsMeet"},
            "name": "Google Meet",
            "iconUri": "https://fonts.gstatic.com/s/i/productlogos/meet_2020q4/v6/web-512dp/logo_meet_2020q4_color_2x_web_512dp.png",
        }
        data["conferenceId"] = code

    def _get(self, eid: str, query: dict[str, str], body: Any) -> Reply:
        event = self.events[eid]
        status = event.get("conferenceData", {}).get("createRequest", {}).get("status", {})
        if status.get("statusCode") == "pending":
            self._polls_left[eid] -= 1
            if self._polls_left[eid] <= 0:
                self._conference_ready(event)
        return 200, {}, event

    def _patch(self, eid: str, query: dict[str, str], body: Any) -> Reply:
        event = self.events[eid]
        if not isinstance(body, dict):
            return 400, {}, self.error_body(400, "Bad Request")
        moved = (
            body.get("start", event["start"]) != event["start"]
            or body.get("end", event["end"]) != event["end"]
        )
        for key in ("summary", "description", "start", "end"):
            if key in body:
                event[key] = body[key]
        if "attendees" in body:
            event["attendees"] = [
                {"email": a["email"], "responseStatus": "needsAction"} for a in body["attendees"]
            ]
        event["sequence"] += 1 if moved else 0
        event["updated"] = _now()
        return 200, {}, event

    def _delete(self, eid: str, query: dict[str, str], body: Any) -> Reply:
        del self.events[eid]
        self.deleted.add(eid)
        return 204, {}, None
