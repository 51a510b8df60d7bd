"""HTTP credentials: bearer and basic headers, JWTs, and passwords inside URLs."""

from __future__ import annotations

import base64
import binascii
import re

from engage.diagnostics.redact.detectors import PatternRule, register

_PLACEHOLDER = re.compile(rb"^(?:\$\{.*\}|\{\{.*\}\}|\{.*\}|\$\(.*\)|%s|\*+|x+|X+|<.*>)$")


def _bearer_ok(m: re.Match[bytes]) -> bool:
    value = m.group("secret")
    return any(c in b"0123456789._~+/" for c in value) or len(value) >= 24


def _basic_ok(m: re.Match[bytes]) -> bool:
    value = m.group("secret")
    try:
        decoded = base64.b64decode(value + b"=" * (-len(value) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return b":" in decoded and all(32 <= c < 127 for c in decoded)


def _url_password_ok(m: re.Match[bytes]) -> bool:
    password = m.group("secret")
    return not _PLACEHOLDER.match(password) and b"$" not in password[:2]


register(
    PatternRule(
        name="bearer-token",
        description="bearer credentials (Authorization: Bearer ...)",
        triggers=(r"bearer[ \t]+(token[ \t]+)?[A-Za-z0-9._~+/\-]{8}",),
        caseless=True,
        pattern=re.compile(
            rb"(?i)\bbearer[ \t]+(?:token[ \t]+|tok[ \t]+)?(?P<secret>[A-Za-z0-9._~+/\-]{8,}=*)"
        ),
        check=_bearer_ok,
        priority=15,
    )
)

register(
    PatternRule(
        name="basic-auth",
        description="basic credentials (Authorization: Basic base64(user:password))",
        triggers=(r"basic[ \t]+[A-Za-z0-9+/]{6}",),
        caseless=True,
        pattern=re.compile(rb"(?i)\bbasic[ \t]+(?P<secret>[A-Za-z0-9+/]{6,}={0,2})(?![\w+/=])"),
        check=_basic_ok,
        priority=15,
    )
)

register(
    PatternRule(
        name="jwt",
        description="signatures of JSON Web Tokens (header and claims stay readable)",
        triggers=(r"eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8}",),
        pattern=re.compile(
            rb"(?:(?<![A-Za-z0-9\-])|(?<=\\[nrt]))eyJ[A-Za-z0-9_\-]+\.eyJ[A-Za-z0-9_\-]+\."
            rb"(?P<secret>[A-Za-z0-9_\-]{8,})"
        ),
        priority=30,
    )
)

# user:password@host -- the password may hold "@" and ":" (the last "@" before a host ends
# it) and single spaces; the host must be followed by a port, path, quote or the end.
_URL_CREDENTIALS = re.compile(
    rb"[A-Za-z][A-Za-z0-9+.\-]{1,20}://(?P<user>[^\s/:@\"'<>]*):"
    rb"(?P<secret>[^\s/\"'<>@]+(?:[ @][^\s/\"'<>@]+)*?)"
    rb"@(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.\-]*)(?::[0-9]{1,5})?"
    rb"(?=[/?#\"'\s;,)\]|`]|$)"
)
_OAUTH_PLACEHOLDERS = {b"x-oauth-basic", b"x-token-auth", b"x", b"oauth2", b""}


def _user_token_ok(m: re.Match[bytes]) -> bool:
    user = m.group("secret")
    return any(c in b"0123456789" for c in user) and any(c.isalpha() for c in user.decode())


register(
    PatternRule(
        name="url-user-token",
        description="tokens in the user slot of URLs (https://<token>:x-oauth-basic@github.com)",
        triggers=(r"://[A-Za-z0-9_\-]{20,}(:[A-Za-z0-9_\-]{0,20})?@",),
        pattern=re.compile(
            rb"://(?P<secret>[A-Za-z0-9_\-]{20,})(?::(?:x-oauth-basic|x-token-auth|x|oauth2)?)?@"
        ),
        check=_user_token_ok,
        priority=24,
    )
)

register(
    PatternRule(
        name="url-credentials",
        description="passwords in URLs and connection strings (scheme://user:password@host)",
        triggers=(r"://[^ \t\r\n/:@\"'<>]{0,64}:[^\t\r\n/\"'<>]{1,96}@",),
        pattern=_URL_CREDENTIALS,
        check=lambda m: (
            _url_password_ok(m)
            and m.group("secret") not in _OAUTH_PLACEHOLDERS
            and "»".encode() not in m.group("secret")  # the user slot was a token, masked
        ),
        priority=25,
    )
)
