"""HAR files: cookies, auth headers, token parameters and auth bodies go; the rest stays."""

from __future__ import annotations

import copy
import json
from typing import Any

from engage.diagnostics.redact import Redactor

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"


def _har() -> dict[str, Any]:
    entry = {
        "startedDateTime": "2024-05-01T00:00:00Z",
        "time": 12.5,
        "request": {
            "method": "GET",
            "url": "https://kubecost.example.com/model/allocation?window=7d&access_token=tok123abc",
            "headers": [
                {"name": "Cookie", "value": "sid=abc123session; theme=dark"},
                {"name": "Authorization", "value": f"Bearer {JWT}"},
                {"name": "X-Api-Key", "value": "k-9f8e7d6c"},
                {"name": "Accept", "value": "application/json"},
            ],
            "cookies": [{"name": "sid", "value": "abc123session"}],
            "queryString": [
                {"name": "window", "value": "7d"},
                {"name": "access_token", "value": "tok123abc"},
            ],
            "headersSize": 300,
            "bodySize": 0,
        },
        "response": {
            "status": 200,
            "headers": [{"name": "Set-Cookie", "value": "sid=new456session; Path=/; HttpOnly"}],
            "cookies": [{"name": "sid", "value": "new456session"}],
            "content": {
                "size": 20,
                "mimeType": "application/json",
                "text": '{"code":200,"data":[]}',
            },
            "redirectURL": "",
        },
        "timings": {"send": 1, "wait": 10, "receive": 1.5},
    }
    login = copy.deepcopy(entry)
    login["request"]["method"] = "POST"
    login["request"]["url"] = "https://idp.example.com/oauth2/token"
    login["request"]["postData"] = {
        "mimeType": "application/x-www-form-urlencoded",
        "text": "grant_type=authorization_code&code=c0de123&client_secret=cs-999",
        "params": [{"name": "code", "value": "c0de123"}],
    }
    login["response"]["content"]["text"] = '{"access_token":"at-777","expires_in":3600}'
    login["response"]["redirectURL"] = "https://kubecost.example.com/cb?code=c0de123&state=st4te"
    return {
        "log": {
            "version": "1.2",
            "pages": [{"title": "https://kubecost.example.com/?token=pg-tok1"}],
            "entries": [entry, login],
        }
    }


def test_har_secrets_removed_and_support_fields_kept(redactor: Redactor) -> None:
    out = redactor.redact_document(_har(), name="capture.har")
    text = json.dumps(out)
    for secret in (
        "abc123session",
        "new456session",
        "tok123abc",
        "k-9f8e7d6c",
        "c0de123",
        "cs-999",
        "at-777",
        "st4te",
        "pg-tok1",
        "dozjgNryP4J3jVmNHl0w5N",
    ):
        assert secret not in text, secret
    entry = out["log"]["entries"][0]
    assert entry["request"]["url"].startswith(
        "https://kubecost.example.com/model/allocation?window=7d&"
    )
    assert entry["timings"] == {"send": 1, "wait": 10, "receive": 1.5}
    assert entry["response"]["status"] == 200
    assert entry["response"]["content"]["text"] == '{"code":200,"data":[]}'
    headers = {h["name"]: h["value"] for h in entry["request"]["headers"]}
    assert headers["Accept"] == "application/json"
    assert (
        headers["Cookie"].startswith("sid=«redacted:") and "theme=«redacted:" in headers["Cookie"]
    )
    assert headers["Authorization"].startswith("Bearer «redacted:")
    set_cookie = entry["response"]["headers"][0]["value"]
    assert set_cookie.startswith("sid=«redacted:") and set_cookie.endswith("; Path=/; HttpOnly")
    assert len(out["log"]["entries"]) == 2


def test_har_is_idempotent(redactor: Redactor) -> None:
    once = redactor.redact_document(_har(), name="capture.har")
    assert redactor.redact_document(once, name="capture.har") == once
