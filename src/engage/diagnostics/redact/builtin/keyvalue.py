"""Key names that hold secrets, plus Kubecost's own: product key and ``kubecostToken``.

The key/value scanner (text) and the document walker (JSON/YAML) both ask these rules whether
a key names a secret; the first rule in priority order that matches names the finding.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from engage.diagnostics.redact.detectors import KeyRule, PatternRule, register


def _key(
    name: str,
    description: str,
    priority: int,
    *,
    suffixes: tuple[str, ...] = (),
    exact: tuple[str, ...] = (),
    words: tuple[str, ...] = (),
    last_words: tuple[str, ...] = (),
) -> None:
    rule = KeyRule(
        name, description, suffixes, exact, words, priority=priority, last_words=last_words
    )
    register(rule)


_key(
    "aws-secret-key",
    "AWS secret access keys by key name",
    10,
    suffixes=("secret_access_key", "aws_secret_key", "aws_secret", "service_key_secret"),
)
_key(
    "aws-session-token",
    "AWS session and security tokens by key name",
    11,
    suffixes=("session_token", "security_token"),
)
_key("gcp-service-account", "GCP service-account key ids", 12, suffixes=("private_key_id",))
_key(
    "azure-storage-key",
    "Azure storage account keys and shared access keys",
    13,
    suffixes=("account_key", "storage_key", "storage_access_key", "shared_access_key"),
)
_key("kubecost-token", "Kubecost kubecostToken", 14, suffixes=("kubecost_token",))
_key(
    "kubecost-product-key",
    "Kubecost product/license keys",
    15,
    suffixes=("product_key", "license_key", "licence_key"),
)
_key(
    "webhook-url",
    "incoming-webhook URLs in alert settings (anyone holding one can post to the channel)",
    17,
    suffixes=("webhook_url", "webhook_uri"),
)
_key(
    "azure-identity",
    "Azure AD tenant and application (client) ids under Azure-named keys (AZURE_TENANT_ID, "
    "ad_tenant_id, AZURE_CLIENT_ID), as secret scanners report them",
    16,
    suffixes=("azure_tenant_id", "ad_tenant_id", "azure_client_id", "ad_client_id"),
)
_key(
    "client-secret",
    "OAuth/OIDC/SAML client secrets (Helm values, configs)",
    16,
    suffixes=("client_secret",),
)
_key(
    "private-key",
    "private keys by key name (private_key, client-key-data)",
    17,
    suffixes=("private_key", "client_key_data", "ssh_key", "tls_key"),
)
_key(
    "api-key",
    "API, access and signing keys by key name",
    18,
    suffixes=(
        "api_key",
        "apikey",
        "access_key",
        "auth_key",
        "signing_key",
        "encryption_key",
        "master_key",
        "session_key",
        "secret_key",
        "app_key",
        "webhook_key",
        "routing_key",  # PagerDuty Events API v2
        "integration_key",
        "service_key",  # PagerDuty Events API v1
        "user_key",  # Pushover
    ),
)
_key(
    "password",
    "passwords by key name (password, passwd, pwd...)",
    19,
    words=("password", "passwd", "passphrase", "passwords", "pwd", "pw"),
    exact=("pass", "db_pass"),
    last_words=("pass",),  # SMTP_PASS, MYSQL_ROOT_PASS (not bypass, pass_rate)
)
_key(
    "token",
    "tokens by key name (token, access_token, auth...)",
    20,
    words=("token", "tokens"),
    exact=("auth",),
)
_key(
    "secret",
    "secrets and credentials by key name",
    21,
    words=("secret", "secrets", "credential", "credentials"),
    suffixes=("connection_string", "conn_str"),
)


register(
    PatternRule(
        name="kubecost-product-key",
        description="Kubecost product key inside inline Helm values (productKey: {key: ...})",
        triggers=(r"product[_\-]?key[\"'\\]{0,3}[ \t]{0,3}:[ \t]{0,3}\{",),
        caseless=True,
        pattern=re.compile(
            rb"(?i)product[_\-]?key[\"'\\]*\s*:\s*\{[^{}]*?[\"'\\]*\bkey[\"'\\]*\s*:\s*[\"'\\]*"
            rb"(?P<secret>[^\"'\\\s,}]+)"
        ),
        priority=40,
    )
)


def shannon_entropy(value: bytes) -> float:
    """Bits per character of a value."""
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _high_entropy(m: re.Match[bytes]) -> bool:
    value = m.group("secret").rstrip(b"=")
    has_classes = (
        re.search(rb"[a-z]", value) and re.search(rb"[A-Z]", value) and re.search(rb"[0-9]", value)
    )
    return bool(has_classes) and value.count(b"/") <= 4 and shannon_entropy(value) >= 4.2


register(
    PatternRule(
        name="high-entropy-value",
        description="random-looking base64 values (32+ chars, mixed case, digits) after = or :",
        # "key=<32+ chars>" and quoted values (JSON, code); a bare "x: <32 chars>" anywhere in a
        # log line fires far too often (digests, ids) and would slow the scan down.
        triggers=(
            r"=[ \t]{0,3}[\"']?[A-Za-z0-9+][A-Za-z0-9+/]{31}",
            r"[=:][ \t]{0,3}[\"'][A-Za-z0-9+][A-Za-z0-9+/]{31,255}={0,2}[\"']",
        ),
        pattern=re.compile(
            rb"[=:][ \t]*[\"']?(?<![A-Za-z0-9+/])(?P<secret>[A-Za-z0-9+/]{32,256}={0,2})"
            rb"(?![A-Za-z0-9+/=_\-.])"
        ),
        check=_high_entropy,
        # Config files only: in logs it costs half the scan speed and finds little there.
        in_logs=False,
        priority=60,
    )
)


def _prose_ok(m: re.Match[bytes]) -> bool:
    from engage.diagnostics.redact.pairs import (
        is_command_name,
        is_file_path,
        is_placeholder,
        looks_secret,
    )

    value = m.group("secret").rstrip(b".,;:!?)")
    if is_command_name(value):
        return False
    return looks_secret(value) and not is_placeholder(value) and not is_file_path(value)


register(
    PatternRule(
        name="prose-credential",
        description='credentials written after a word in free text ("token X", "password is X")',
        triggers=(
            r"(token|password|passwd|passphrase|secret|api[ _\-]?key|apikey|credential)"
            r"[ \t]+((is|was|of|set to|=)[ \t]+)?[\"'`]?[A-Za-z0-9+/_\-]{6}",
        ),
        caseless=True,
        pattern=re.compile(
            rb"(?i)\b(?:token|password|passwd|passphrase|secret|api[ _\-]?key|apikey|credential)"
            rb"[ \t]+(?:(?:is|was|of|set[ \t]+to|=)[ \t]+)?[\"'`]?"
            rb"(?P<secret>[A-Za-z0-9+/_\-.~=]{6,}[A-Za-z0-9=])"
        ),
        check=_prose_ok,
        priority=45,
    )
)

_key(
    "aws-account-id",
    "AWS account ids by key name",
    9,
    suffixes=("aws_account_id",),
)
