"""Cloud credentials: AWS, GCP and Azure shapes that are recognisable without a key name."""

from __future__ import annotations

import re

from engage.diagnostics.redact.detectors import PatternRule, register

register(
    PatternRule(
        name="aws-access-key-id",
        description="AWS access key ids (AKIA/ASIA/...)",
        triggers=(r"(A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}",),
        pattern=re.compile(
            rb"(?:(?<![A-Za-z0-9])|(?<=\\[nrt]))(?P<secret>(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})"
            rb"(?![A-Za-z0-9])"
        ),
        priority=20,
    )
)

register(
    PatternRule(
        name="aws-secret-key",
        description='AWS secret access keys named in prose ("Secret Access Key: ...")',
        triggers=(r"secret[ _\-]?access[ _\-]?key",),
        caseless=True,
        pattern=re.compile(
            rb"(?i)secret[ _\-]?access[ _\-]?key[\"' \t]*[:=][ \t\"']*"
            rb"(?P<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"
        ),
        priority=20,
    )
)

register(
    PatternRule(
        name="presigned-url-signature",
        description="signatures and session tokens of pre-signed S3/GCS URLs",
        # also the Signature of an AWS4-HMAC-SHA256 Authorization header (", Signature=<hex>")
        triggers=(
            r"[?&](x-amz-signature|x-amz-security-token|x-goog-signature|signature)=",
            r"[, ][ \t]*signature=[0-9a-f]{16}",
        ),
        caseless=True,
        pattern=re.compile(
            rb"(?i)(?:[?&](?:x-amz-signature|x-amz-security-token|x-goog-signature|signature)="
            rb"|(?<=[, ])[ \t]*signature=(?=[0-9a-f]{16}))"
            rb"(?P<secret>[^&#\s\"'\\<>,]{8,})"
        ),
        priority=20,
    )
)

register(
    PatternRule(
        name="azure-sas-token",
        description="signature of Azure shared access signature (SAS) tokens",
        triggers=(r"[?&;]sig=[A-Za-z0-9%+/=]{16}",),
        caseless=True,
        pattern=re.compile(rb"(?i)[?&;]sig=(?P<secret>[A-Za-z0-9%+/=]{16,})"),
        priority=20,
    )
)

register(
    PatternRule(
        name="azure-client-secret",
        description="Azure AD (Entra ID) application client secrets",
        triggers=(r"[0-9]Q~[A-Za-z0-9_~.\-]{31}",),
        pattern=re.compile(
            rb"(?:(?<![\w~.\-])|(?<=\\[nrt]))(?P<secret>[A-Za-z0-9_~.\-]{3}[0-9]Q~[A-Za-z0-9_~.\-]{31,34})(?![\w~.\-])"
        ),
        priority=20,
    )
)

register(
    PatternRule(
        name="gcp-api-key",
        description="Google Cloud API keys (AIza...)",
        triggers=(r"AIza[0-9A-Za-z_\-]{35}",),
        pattern=re.compile(
            rb"(?:(?<![\w\-])|(?<=\\[nrt]))(?P<secret>AIza[0-9A-Za-z_\-]{35})(?![\w\-])"
        ),
        priority=20,
    )
)
