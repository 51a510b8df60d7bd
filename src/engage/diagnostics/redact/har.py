"""HAR 1.2 redaction: cookies, auth headers, token parameters, auth bodies; structure kept.

Everything support needs stays: URL paths, timings, status codes, sizes, other headers and
bodies. Cookie values are masked one by one (names stay), Authorization keeps its scheme.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import TYPE_CHECKING, Any

from engage.diagnostics.har import is_har
from engage.diagnostics.redact.detectors import key_words, word_set

if TYPE_CHECKING:
    from engage.diagnostics.redact.documents import DocumentRedactor

__all__ = ["is_har", "mask_url", "redact_har"]

TOKEN_PARAMS = word_set(
    """
token access_token id_token refresh_token code state client_secret samlresponse samlrequest
relaystate signature sig x-amz-signature x-amz-credential x-amz-security-token x-goog-signature
x-goog-credential password passwd pwd api_key apikey key session sessionid jsessionid phpsessid
sid nonce code_verifier otp auth authorization jwt assertion client_assertion ticket secret
"""
)
PARAM_RULE = "url-token-param"
AUTH_BODY_RULE = "auth-response-body"
_AUTH_PATH = re.compile(
    r"(?i)/(?:oauth2?|oidc|openid[\w-]*|saml2?|sso|auth|authorize|authenticate|login|signin|"
    r"sign-in|token|tokens|session|sessions|callback|acs|userinfo|getproductkey)(?:[/?#.]|$)"
)
_QUERY_PAIR = re.compile(r"(^|[?&;#])([^=&;#?]+)=([^&;#]*)")
_COOKIE_PAIR = re.compile(r"([^=;\s]+)=([^;]*)")
_TEXT_MIME = re.compile(
    r"(?i)^(text/|application/(?:[\w.+-]*json|xml|x-www-form-urlencoded|"
    r"javascript|x-ndjson))"
)


# a parameter named with one of these words holds a credential: session_id, csrfToken,
# X-Auth-Sig, sessid... (the class, not a list of names)
TOKEN_WORDS = word_set(
    """
token tokens session sessid sessionid sid auth secret signature sig password passwd pwd csrf
xsrf jwt ticket nonce credential credentials apikey otp saml assertion
"""
)


def _param_rule(name: str, doc: DocumentRedactor) -> str | None:
    lower = name.lower()
    if lower in TOKEN_PARAMS:
        return PARAM_RULE
    words = key_words(name)
    if set(words) & TOKEN_WORDS or (len(words) > 1 and words[-1] == "key"):
        return PARAM_RULE
    return doc.classifier.classify_name(name.encode("utf-8", "replace"))


def mask_query(query: str, doc: DocumentRedactor) -> str:
    """Mask token-like parameters of a query string or form body (names stay)."""

    def replace(m: re.Match[str]) -> str:
        rule = _param_rule(m.group(2), doc)
        value = m.group(3)
        if rule is None or not value or value.startswith("«redacted:"):
            return m.group(0)
        return f"{m.group(1)}{m.group(2)}={doc.mask(rule, value)}"

    return _QUERY_PAIR.sub(replace, query)


def mask_url(url: str, doc: DocumentRedactor) -> str:
    """Mask token-like query and fragment parameters of a URL; path and host stay."""
    cut = min((i for i in (url.find("?"), url.find("#")) if i >= 0), default=-1)
    if cut < 0:
        return url
    return url[:cut] + mask_query(url[cut:], doc)


def _mask_header(name: str, value: str, doc: DocumentRedactor) -> str:
    rule = doc.classifier.classify_name(name.encode("utf-8", "replace"))
    lower = name.lower()
    if lower == "location":
        return mask_url(value, doc)
    if rule is None or not value or "«redacted:" in value:
        return value
    if lower == "cookie":
        return _COOKIE_PAIR.sub(lambda m: f"{m.group(1)}={doc.mask(rule, m.group(2))}", value)
    if lower == "set-cookie":
        first, _, attributes = value.partition(";")
        name_part, eq, cookie = first.partition("=")
        masked = f"{name_part}={doc.mask(rule, cookie)}" if eq else doc.mask(rule, first)
        return masked + (";" + attributes if attributes else "")
    scheme, space, credential = value.partition(" ")
    if rule == "authorization-header" and space and credential:
        return f"{scheme} {doc.mask(rule, credential.strip())}"
    return doc.mask(rule, value)


def _headers(headers: Any, doc: DocumentRedactor) -> None:
    for header in headers if isinstance(headers, list) else []:
        if isinstance(header, dict) and isinstance(header.get("value"), str):
            header["value"] = _mask_header(str(header.get("name", "")), header["value"], doc)


def _name_values(items: Any, doc: DocumentRedactor, rule: str | None = None) -> None:
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("value"), str):
            continue
        found = rule or _param_rule(str(item.get("name", "")), doc)
        if found and item["value"] and "«redacted:" not in item["value"]:
            item["value"] = doc.mask(found, item["value"])


def _post_data(post: Any, doc: DocumentRedactor, auth: bool) -> None:
    if not isinstance(post, dict):
        return
    _name_values(post.get("params"), doc)
    text, mime = post.get("text"), str(post.get("mimeType", ""))
    if not isinstance(text, str) or not text:
        return
    if "x-www-form-urlencoded" in mime:
        post["text"] = mask_query(text, doc)
    elif "json" in mime:
        post["text"] = doc.nested(text, "postData.json", ("postData",))
    if auth and "«redacted:" not in post["text"]:
        post["text"] = doc.mask(AUTH_BODY_RULE, post["text"])


def _content(content: Any, doc: DocumentRedactor, auth: bool) -> None:
    if not isinstance(content, dict) or not isinstance(content.get("text"), str):
        return
    text = content["text"]
    if not text or "«redacted:" in text:
        return
    if auth:
        masked = doc.mask(AUTH_BODY_RULE, text)
        if content.get("encoding") == "base64":  # still base64, so a HAR reader can decode it
            masked = base64.b64encode(masked.encode("utf-8")).decode("ascii")
        content["text"] = masked
        return
    if content.get("encoding") == "base64" and _TEXT_MIME.match(str(content.get("mimeType", ""))):
        try:
            decoded = base64.b64decode(text, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return
        redacted = doc.text(decoded)
        if redacted != decoded:
            content["text"] = base64.b64encode(redacted.encode("utf-8")).decode("ascii")


def _entry(entry: dict[str, Any], doc: DocumentRedactor) -> None:
    request, response = entry.get("request"), entry.get("response")
    url = ""
    if isinstance(request, dict):
        url = str(request.get("url", ""))
        auth = bool(_AUTH_PATH.search(url.split("?", 1)[0]))
        request["url"] = mask_url(url, doc) if url else url
        _headers(request.get("headers"), doc)
        _name_values(request.get("cookies"), doc, "cookie")
        _name_values(request.get("queryString"), doc)
        _post_data(request.get("postData"), doc, auth)
    if isinstance(response, dict):
        auth = bool(_AUTH_PATH.search(url.split("?", 1)[0]))
        _headers(response.get("headers"), doc)
        _name_values(response.get("cookies"), doc, "cookie")
        if isinstance(response.get("redirectURL"), str):
            response["redirectURL"] = mask_url(response["redirectURL"], doc)
        _content(response.get("content"), doc, auth)


def redact_har(har: Any, doc: DocumentRedactor) -> Any:
    """Apply the HAR-specific rules in place on a parsed HAR document and return it."""
    if not is_har(har):
        return har
    log = har["log"]
    for page in log.get("pages") or []:
        if isinstance(page, dict) and isinstance(page.get("title"), str):
            page["title"] = mask_url(page["title"], doc)
    for entry in log.get("entries") or []:
        if isinstance(entry, dict):
            _entry(entry, doc)
    return har
