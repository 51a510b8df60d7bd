"""A loopback stand-in for Zoom's Server-to-Server OAuth and meetings API.

``POST /oauth/token?grant_type=account_credentials&account_id=...`` with basic auth answers
``{"access_token", "token_type": "bearer", "expires_in", "scope", "api_url"}``; bad credentials
get ``{"reason", "error"}`` with 400. ``POST /v2/users/{userId}/meetings`` answers 201 with a
meeting object (``id``, ``join_url``, ``start_url``, ``password``, ``settings.
global_dial_in_numbers`` ...), ``PATCH /v2/meetings/{id}`` 204, ``DELETE /v2/meetings/{id}``
204, unknown meetings 404 ``{"code": 3001, "message": "Meeting does not exist: ..."}``, and bad
or expired tokens 401 ``{"code": 124, "message": ...}``. Tests script trouble with
``fail_next`` (429 with Retry-After, 5xx) and ``expire_tokens``.
"""

from __future__ import annotations

import base64
import re
import secrets
from datetime import datetime
from typing import Any

from tests.support.meet_server import JsonApiServer, Reply

_MEETINGS = re.compile(r"^/v2/users/([^/]+)/meetings$")
_MEETING = re.compile(r"^/v2/meetings/(\d+)$")
_FIELDS = ("topic", "type", "start_time", "duration", "timezone", "agenda")


class FakeZoom(JsonApiServer):
    """Zoom OAuth and meetings for one account, one app and one user."""

    def __init__(
        self,
        *,
        account_id: str = "acct-1",
        client_id: str = "client-1",
        client_secret: str = "secret-1",
        user_email: str = "support@engage.test",
        expires_in: int = 3599,
    ) -> None:
        super().__init__()
        self.account_id, self.client_id, self.client_secret = account_id, client_id, client_secret
        self.user_email, self.expires_in = user_email, expires_in
        self.tokens: dict[str, bool] = {}  # token -> still valid
        self.tokens_issued = 0
        self.meetings: dict[str, dict[str, Any]] = {}

    def expire_tokens(self) -> None:
        """Every token issued so far now answers 401 "Access token is expired."."""
        self.tokens = dict.fromkeys(self.tokens, False)

    def error_body(self, status: int) -> Any:
        """Zoom's ``{"code", "message"}`` error body."""
        messages = {
            429: (
                429,
                "You have reached the maximum per-second rate limit for this API. Try again later.",
            ),
            401: (124, "Invalid access token."),
        }
        code, message = messages.get(status, (status, f"HTTP {status}"))
        return {"code": code, "message": message}

    def route(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: Any
    ) -> Reply:
        """Dispatch the token endpoint and the meetings API."""
        if path == "/oauth/token":
            return self._token(method, query, headers)
        token = headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in self.tokens:
            return 401, {}, {"code": 124, "message": "Invalid access token."}
        if not self.tokens[token]:
            return 401, {}, {"code": 124, "message": "Access token is expired."}
        if (match := _MEETINGS.match(path)) and method == "POST":
            return self._create(match[1], body)
        if match := _MEETING.match(path):
            mid = match[1]
            if mid not in self.meetings:
                return 404, {}, {"code": 3001, "message": f"Meeting does not exist: {mid}."}
            handler = {"GET": self._get, "PATCH": self._patch, "DELETE": self._delete}.get(method)
            if handler:
                return handler(mid, body)
        return 404, {}, {"code": 404, "message": "Not Found"}

    def _token(self, method: str, query: dict[str, str], headers: dict[str, str]) -> Reply:
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if method != "POST" or headers.get("Authorization") != f"Basic {expected}":
            return (
                400,
                {},
                {"reason": "Invalid client_id or client_secret", "error": "invalid_client"},
            )
        if query.get("grant_type") != "account_credentials":
            return 400, {}, {"reason": "Unsupported grant type", "error": "unsupported_grant_type"}
        if query.get("account_id") != self.account_id:
            return 400, {}, {"reason": "Invalid account_id", "error": "invalid_request"}
        token = "eyJ" + secrets.token_urlsafe(24)
        self.tokens[token] = True
        self.tokens_issued += 1
        return (
            200,
            {},
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": self.expires_in,
                "scope": "meeting:write:meeting:admin meeting:update:meeting:admin "
                "meeting:delete:meeting:admin",
                "api_url": "https://api.zoom.us",
            },
        )

    def _invalid(self, body: Any) -> str:
        if not isinstance(body, dict):
            return "Request Body should be a valid JSON object."
        if body.get("type") == 2:
            try:
                datetime.strptime(str(body.get("start_time")), "%Y-%m-%dT%H:%M:%SZ")
            except ValueError:
                return "Invalid field: start_time."
        if not isinstance(body.get("duration", 0), int):
            return "Invalid field: duration."
        if len(str(body.get("topic", ""))) > 200 or len(str(body.get("agenda", ""))) > 2000:
            return "Invalid field: topic or agenda too long."
        return ""

    def _create(self, user: str, body: Any) -> Reply:
        if user not in {"me", self.user_email}:
            return 404, {}, {"code": 1001, "message": f"User does not exist: {user}."}
        if problem := self._invalid(body):
            return 400, {}, {"code": 300, "message": problem}
        mid = str(secrets.randbelow(9 * 10**10) + 10**10)  # 11 digits, like real ids
        passcode = secrets.token_hex(3)
        meeting = {
            "uuid": base64.b64encode(secrets.token_bytes(16)).decode(),
            "id": int(mid),
            "host_id": "z8yAAAAA8bbbQ",
            "host_email": self.user_email,
            **{k: body[k] for k in _FIELDS if k in body},
            "created_at": datetime.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "start_url": f"https://zoom.us/s/{mid}?zak=eyJ{secrets.token_urlsafe(12)}",
            "join_url": f"https://zoom.us/j/{mid}?pwd={secrets.token_urlsafe(16)}",
            "password": passcode,
            "h323_password": "123456",
            "pstn_password": "123456",
            "encrypted_password": secrets.token_urlsafe(16),
            "pre_schedule": False,
            "settings": {
                **body.get("settings", {}),
                "global_dial_in_numbers": [
                    {
                        "country_name": "US",
                        "city": "New York",
                        "number": "+1 646 555 0199",
                        "type": "toll",
                        "country": "US",
                    },
                    {
                        "country_name": "Germany",
                        "number": "+49 69 5050 0952",
                        "type": "toll",
                        "country": "DE",
                    },
                ],
            },
        }
        self.meetings[mid] = meeting
        return 201, {}, meeting

    def _get(self, mid: str, body: Any) -> Reply:
        return 200, {}, self.meetings[mid]

    def _patch(self, mid: str, body: Any) -> Reply:
        if not isinstance(body, dict):
            return 400, {}, {"code": 300, "message": "Request Body should be a valid JSON object."}
        if problem := self._invalid({"type": self.meetings[mid]["type"], **body}):
            return 400, {}, {"code": 300, "message": problem}
        meeting = self.meetings[mid]
        meeting.update({k: body[k] for k in _FIELDS if k in body})
        meeting["settings"].update(body.get("settings", {}))
        return 204, {}, None

    def _delete(self, mid: str, body: Any) -> Reply:
        del self.meetings[mid]
        return 204, {}, None
