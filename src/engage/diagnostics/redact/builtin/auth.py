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


def _not_placeholder(m: re.Match[bytes]) -> bool:
    """The secret is a value, not a template or mask (``${PW}``, ``<password>``, ``***``)."""
    return not _PLACEHOLDER.match(m.group("secret"))


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
    rb"(?=[/?#\"'\s;,)\]|`\x80-\xff]|$)"
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


# Cookie and Set-Cookie headers written as text (proxy and access logs, curl -v): every
# cookie's value goes; in Set-Cookie only the first pair is the cookie, the rest attributes
_COOKIE_PAIR = re.compile(rb"[ \t]*([!#$%&'*+\-.^_`|~0-9A-Za-z]{1,128})=(\"?)([^;\s\"]{1,4096})\2")
_COOKIE_ATTRS = frozenset(
    b"path domain expires max-age secure httponly samesite priority partitioned version".split()
)


def _cookie_values(m: re.Match[bytes]) -> list[tuple[int, int]]:
    spans = []
    first_only = m.group("set") is not None
    pos, end = m.start("pairs"), m.end("pairs")
    if m.group("br") is not None:  # Go's header dump: map[Cookie:[a=b; c=d] Other:[...]]
        close = m.string.find(b"]", pos, end)
        end = close if close != -1 else end
    while pos < end:
        pair = _COOKIE_PAIR.match(m.string, pos, end)
        if pair is None:
            break
        if pair.group(1).lower() not in _COOKIE_ATTRS and len(pair.group(3)) >= 4:
            spans.append(pair.span(3))
        if first_only:
            break
        pos = pair.end()
        while pos < end and m.string[pos : pos + 1] in (b";", b" ", b"\t"):
            pos += 1
    return spans


register(
    PatternRule(
        name="cookie",
        description="cookie values in Cookie and Set-Cookie headers written as text "
        "(also Go's header dumps, Cookie:[a=b])",
        triggers=(
            r"(^|[^A-Za-z0-9_\-])(set-)?cookie[\"']?[ \t]*:[ \t]*[\"'\[]?"
            r"[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,128}=",
        ),
        caseless=True,
        multiline=True,
        pattern=re.compile(
            rb"(?i)(?<![\w\-])(?P<set>set-)?cookie[\"']?[ \t]*:[ \t]*(?:[\"']|(?P<br>\[))?"
            rb"(?P<pairs>[^\r\n\"']+)"
        ),
        spans=_cookie_values,
        priority=16,
    )
)

# passwords passed on a command line in a tool's own short form (process lists, shell history,
# job logs): mysql -pSECRET, redis-cli -a SECRET, sshpass -p SECRET
register(
    PatternRule(
        name="cli-password",
        description="passwords in mysql -p..., redis-cli -a ..., sshpass -p ..., "
        "docker/az/helm ... login -p ... command lines",
        triggers=(
            r"(mysql|mysqldump|mysqladmin|mariadb|mariadb-dump|redis-cli|sshpass)"
            r"[^\r\n]{0,300}[ \t]-[pa]",
            r"login[^\r\n]{0,300}[ \t]-p[ \t]",
        ),
        caseless=True,
        pattern=re.compile(
            rb"(?i)\b(?:(?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump)\b[^\r\n]{0,300}?[ \t]-p"
            rb"|redis-cli\b[^\r\n]{0,300}?[ \t]-a[ \t]+|sshpass[ \t]+-p[ \t]*"
            # registry and cloud logins: -p is the password there (docker, podman, az, helm
            # registry, oras, skopeo, crane...)
            rb"|(?:docker|podman|nerdctl|buildah|skopeo|oras|crane|helm|az|argocd)\b"
            rb"[^\r\n]{0,100}?\blogin\b[^\r\n]{0,300}?[ \t]-p[ \t]+)"
            rb"(?P<secret>[^\s'\"]{3,})"
        ),
        check=_not_placeholder,
        priority=16,
    )
)

# Authorization headers of other schemes (Negotiate, NTLM, Token, SSWS, ApiKey...): the credential
# after the scheme word. Bearer and Basic have their own rules above; AWS SigV4 and Digest carry
# name=value lists, handled by the presigned-signature rule and the key/value pairs.
_LIST_SCHEMES = frozenset({b"aws4-hmac-sha256", b"digest", b"bearer", b"basic"})

register(
    PatternRule(
        name="authorization-header",
        description="credentials after the scheme of an Authorization header (Negotiate, NTLM...)",
        triggers=(
            r"authorization[\"']?[ \t]*[:=][ \t]*[\"']?[A-Za-z][A-Za-z0-9_\-]{1,30}[ \t]+\S{8}",
        ),
        caseless=True,
        pattern=re.compile(
            rb"(?i)\b(?:proxy-)?authorization[\"']?[ \t]*[:=][ \t]*[\"']?"
            rb"(?P<scheme>[A-Za-z][A-Za-z0-9_\-]{1,30})[ \t]+"
            rb"(?P<secret>[A-Za-z0-9._~+/\-]{8,}={0,2})"
            rb"(?![A-Za-z0-9._~+/\-=])"
        ),
        check=lambda m: (
            m.group("scheme").lower() not in _LIST_SCHEMES
            and not _PLACEHOLDER.match(m.group("secret"))
        ),
        priority=16,
    )
)

# Digest Authorization: the response is a hash of the password (crackable offline); the
# username, realm, nonce and uri stay.
register(
    PatternRule(
        name="digest-response",
        description="the response hash of a Digest Authorization header",
        triggers=(r"digest[ \t]+[^\r\n]{0,600}response[ \t]*=",),
        caseless=True,
        pattern=re.compile(
            rb"(?i)\bdigest[ \t]+[^\r\n]{0,600}?\bresponse[ \t]*=[ \t]*\\*\"?"
            rb"(?P<secret>[0-9a-f]{32,128})\b"
        ),
        priority=16,
    )
)

# SMTP AUTH in a mail transcript: PLAIN carries base64(\0user\0password); XOAUTH2 a token.
register(
    PatternRule(
        name="smtp-auth",
        description="credentials of SMTP AUTH PLAIN / LOGIN / XOAUTH2 commands in transcripts",
        triggers=(r"AUTH[ \t]+(PLAIN|LOGIN|XOAUTH2)[ \t]+[A-Za-z0-9+/]{8}",),
        pattern=re.compile(
            rb"\bAUTH[ \t]+(?:PLAIN|LOGIN|XOAUTH2)[ \t]+(?P<secret>[A-Za-z0-9+/]{8,}={0,2})"
            rb"(?![A-Za-z0-9+/=])"
        ),
        check=lambda m: not m.group("secret").isalpha() or not m.group("secret").islower(),
        priority=16,
    )
)

# Password hashes (htpasswd files, /etc/shadow, user tables): crackable offline, so the salt and
# hash go and the scheme stays (bcrypt $2y$10$..., sha-crypt $6$..., apr1, yescrypt, argon2).
register(
    PatternRule(
        name="password-hash",
        description="password hashes (bcrypt, sha-crypt, apr1-md5, yescrypt, argon2)",
        triggers=(
            r"\$2[abxy]?\$[0-9]{2}\$[./A-Za-z0-9]{22}",
            r"\$(1|5|6|apr1)\$(rounds=[0-9]+\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{22}",
            r"\$(y|gy|7)\$[./A-Za-z0-9]{1,64}\$[./A-Za-z0-9]{1,64}\$[./A-Za-z0-9]{22}",
            r"\$argon2(id|i|d)\$",
        ),
        pattern=re.compile(
            rb"(?:\$2[abxy]?\$[0-9]{2}\$"
            rb"|\$(?:1|5|6|apr1)\$(?:rounds=[0-9]+\$)?"
            rb"|\$(?:y|gy|7)\$[./A-Za-z0-9]{1,64}\$"
            rb"|\$argon2(?:id|i|d)\$(?:v=[0-9]+\$)?m=[0-9]+,t=[0-9]+,p=[0-9]+\$)"
            rb"(?P<secret>[./A-Za-z0-9+]{1,64}(?:\$[./A-Za-z0-9+]{16,})?)"
            rb"(?![./A-Za-z0-9+$])"
        ),
        check=lambda m: len(m.group("secret")) >= 22,
        priority=16,
    )
)

# Secret directives of daemons whose config files separate key and value by blanks
# (redis.conf, sentinel.conf, ldap.conf / slapd.conf, keepalived.conf), at the start of a line.
register(
    PatternRule(
        name="config-directive",
        description="passwords of blank-separated config directives (requirepass, masterauth, "
        "bindpw, rootpw, auth_pass, sentinel auth-pass)",
        triggers=(
            r"(^|\n)[ \t]*(requirepass|masterauth|bindpw|rootpw|auth_pass|"
            r"sentinel[ \t]+auth-pass[ \t]+\S+)[ \t]+\S",
        ),
        pattern=re.compile(
            rb"^[ \t]*(?:requirepass|masterauth|bindpw|rootpw|auth_pass"
            rb"|sentinel[ \t]+auth-pass[ \t]+\S+)[ \t]+[\"']?(?P<secret>[^\s\"']+)"
        ),
        check=_not_placeholder,
        priority=16,
    )
)

# aws configure set aws_secret_access_key VALUE (shell history, CI logs)
register(
    PatternRule(
        name="aws-configure-set",
        description="values given to aws configure set for secret keys",
        triggers=(r"configure[ \t]+set[ \t]+(\S+\.)?aws_(secret_access_key|session_token)",),
        pattern=re.compile(
            rb"\baws[ \t]+configure[ \t]+set[ \t]+(?:\S+\.)?"
            rb"aws_(?:secret_access_key|session_token)[ \t]+[\"']?(?P<secret>[^\s\"']+)"
        ),
        check=_not_placeholder,
        priority=16,
    )
)

# PowerShell: ConvertTo-SecureString "VALUE" -AsPlainText
register(
    PatternRule(
        name="powershell-securestring",
        description="plain-text values given to ConvertTo-SecureString",
        triggers=(r"ConvertTo-SecureString[ \t]",),
        caseless=True,
        pattern=re.compile(
            rb"(?i)ConvertTo-SecureString[ \t]+(?:-String[ \t]+)?([\"'])(?P<secret>[^\"'\r\n]+)\1"
        ),
        priority=14,
    )
)
