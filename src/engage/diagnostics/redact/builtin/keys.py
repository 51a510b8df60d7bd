"""Private keys: PEM blocks (also escaped on one line) and base64-encoded PEM."""

from __future__ import annotations

import base64
import binascii
import re

from engage.diagnostics.redact.detectors import PatternRule, register

# any number of dashes: hand-edited keys and some tools write 4 or 6
PEM_BEGIN = re.compile(rb"-+BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-+")
PEM_END = re.compile(rb"-+END ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-+")
# Body of a PEM key written on one line, e.g. inside a JSON string with "\n" escapes.
PEM_INLINE = re.compile(
    rb"-+BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY((?: BLOCK)?)-+(?:\\[nr]|[ \t])*"
    rb"(?P<secret>[^-\\ \t](?:(?!-+END)[A-Za-z0-9+/=:,\- \t\\])*?)"
    rb"(?:\\[nr]|[ \t])*-+END \1PRIVATE KEY\2-+"
)
B64_BODY = re.compile(rb"[A-Za-z0-9+/=]")


def pem_digest_source(body: bytes) -> bytes:
    """The bytes a key's token is computed from: its first 64 base64 characters.

    Using a fixed prefix keeps the token identical whether the key was written over many
    lines or escaped on one line.
    """
    clean = body.replace(b"\\n", b"").replace(b"\\r", b"")
    return bytes(c for c in clean if c not in b" \t\r\n")[:64]


def looks_like_key_material(core: bytes) -> bool:
    """Body text that could be a real key (not a placeholder such as ``***`` or ``xxx``)."""
    material = pem_digest_source(core)
    if len(material) < 16 or set(material) <= set(b"xX*."):
        return False
    return all(B64_BODY.fullmatch(bytes([c])) for c in material)


register(
    PatternRule(
        name="private-key",
        description="PEM private keys (RSA, EC, OpenSSH, PKCS#8, PGP), also escaped on one line",
        triggers=(r"--BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY",),
        pattern=PEM_INLINE,
        check=lambda m: looks_like_key_material(m.group("secret")),
        digest_source=pem_digest_source,
        priority=10,
    )
)


def _b64_pem_private(m: re.Match[bytes]) -> bool:
    head = m.group("secret")[:96]
    head = head[: len(head) // 4 * 4]
    try:
        return b"PRIVATE KEY" in base64.b64decode(head)
    except (binascii.Error, ValueError):
        return False


register(
    PatternRule(
        name="private-key-base64",
        description="base64-encoded PEM private keys, e.g. kubeconfig client-key-data",
        triggers=(r"LS0tLS1CRUdJTi[A-Za-z0-9+/]{8}",),
        pattern=re.compile(rb"(?P<secret>LS0tLS1CRUdJTi[A-Za-z0-9+/]+={0,2})"),
        check=_b64_pem_private,
        priority=11,
    )
)
