"""A small API client for the CLI: ENGAGE_URL and ENGAGE_TOKEN, problem+json to one line."""

from __future__ import annotations

import os
from typing import Any

import httpx

from engage.cli.errors import fail


class ApiClient:
    """Talks to an engage server's /api/v1 with a bearer token."""

    def __init__(
        self, url: str | None = None, token: str | None = None, timeout: float = 30.0
    ) -> None:
        self.url = (url or os.environ.get("ENGAGE_URL") or "http://127.0.0.1:8000").rstrip("/")
        token = token or os.environ.get("ENGAGE_TOKEN")
        if not token:
            fail("set ENGAGE_TOKEN to an API token (create one with `engage token create`)")
        self.http = httpx.Client(
            base_url=self.url + "/api/v1",
            timeout=timeout,
            headers={"Authorization": f"Bearer {token}"},
        )

    def request(self, method: str, path: str, **kw: Any) -> Any:
        """Send a request; on an error print the server's problem detail and exit."""
        try:
            resp = self.http.request(method, path, **kw)
        except httpx.HTTPError as exc:
            fail(f"cannot reach {self.url}: {exc}")
        if resp.status_code >= 400:
            try:
                body = resp.json()
                fail(f"{resp.status_code} {body.get('title', '')}: {body.get('detail', '')}")
            except ValueError:
                fail(f"{resp.status_code}: {resp.text[:200]}")
        return resp.json() if resp.content else None

    def get(self, path: str, **kw: Any) -> Any:
        """GET and decode JSON."""
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Any:
        """POST and decode JSON."""
        return self.request("POST", path, **kw)
