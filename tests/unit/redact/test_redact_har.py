"""HAR files: cookies, auth headers, token parameters and auth bodies go; the rest stays."""

from __future__ import annotations

import copy
import json
from pathlib import Path
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


def test_fresh_secrets_in_every_har_place_go_and_base64_bodies_stay_base64(
    redactor: Redactor, tmp_path: Path
) -> None:
    """Query, headers, cookies, JSON and form bodies, a base64 body of a login response, a
    WebSocket frame, a JavaScript echo and a Referer: all go; every body still decodes."""
    import base64
    import secrets

    def fresh() -> str:
        return "Aa1" + secrets.token_urlsafe(18).replace("-", "x").replace("_", "y")

    v = {
        k: fresh()
        for k in [
            "api",
            "sig",
            "code",
            "bearer",
            "cookie",
            "kc",
            "pw",
            "access",
            "refresh",
            "form",
            "ws",
            "b64",
        ]
    }
    login_body = base64.b64encode(json.dumps({"access_token": v["b64"]}).encode()).decode()

    def entry(url: str, **kw: Any) -> dict[str, Any]:
        request = {"method": "GET", "url": url, "headers": kw.get("headers", []), "cookies": []}
        if "post" in kw:
            request["postData"] = kw["post"]
        content = {"mimeType": "application/json", "text": kw.get("body", "")}
        content.update(kw.get("content", {}))
        item = {"request": request, "response": {"status": 200, "headers": [], "content": content}}
        item.update(kw.get("extra", {}))
        return item

    har = {
        "log": {
            "version": "1.2",
            "entries": [
                entry(
                    f"https://kc/model/x?api_key={v['api']}&signature={v['sig']}&code={v['code']}",
                    headers=[
                        {"name": "Authorization", "value": f"Bearer {v['bearer']}"},
                        {"name": "Cookie", "value": f"kc_session={v['cookie']}; theme=dark"},
                        {"name": "X-Kubecost-Token", "value": v["kc"]},
                    ],
                    post={
                        "mimeType": "application/json",
                        "text": json.dumps({"password": v["pw"]}),
                    },
                    body=json.dumps({"access_token": v["access"], "refresh_token": v["refresh"]}),
                ),
                entry(
                    "https://kc/login",
                    post={
                        "mimeType": "application/x-www-form-urlencoded",
                        "text": f"user=kc&password={v['form']}",
                    },
                    content={"encoding": "base64", "text": login_body},
                    extra={
                        "_webSocketMessages": [
                            {"type": "send", "data": json.dumps({"token": v["ws"]})}
                        ]
                    },
                ),
                entry(
                    "https://kc/app.js",
                    headers=[{"name": "Referer", "value": f"https://kc/cb?code={v['code']}"}],
                    content={"mimeType": "application/javascript"},
                    body=f"window.T = '{v['access']}'; var s = '{v['cookie']}';",
                ),
            ],
        }
    }
    (tmp_path / "session.har").write_text(json.dumps(har))
    redactor.redact_path(tmp_path / "session.har", tmp_path / "out.har")
    out = (tmp_path / "out.har").read_text()
    doc = json.loads(out)
    bodies = "".join(
        base64.b64decode(e["response"]["content"]["text"], validate=True).decode()
        for e in doc["log"]["entries"]
        if e["response"]["content"].get("encoding") == "base64"
    )
    for name, value in v.items():
        assert value not in out and value not in bodies, name
