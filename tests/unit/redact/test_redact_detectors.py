"""Every built-in detector removes its secret and leaves look-alikes alone."""

from __future__ import annotations

import re

import pytest

from engage.diagnostics.redact import PatternRule, Redactor, RuleSet, registry
from engage.diagnostics.redact.detectors import DetectorRegistry, KeyRule

JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
PEM_B64 = "LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlFcEFJQkFBS0NBUUVBb2ZLOGIrRTA1ZmxoNWZEUTVOMFVlYkgzVTBpU1A1UXRWNllZSnRpa3dDQUxLcTBZCi0tLS0tRU5EIFJTQSBQUklWQVRFIEtFWS0tLS0tCg=="

# (rule, text containing the secret, the secret)
CASES = [
    ("aws-access-key-id", "key id AKIAIOSFODNN7SECRETS used", "AKIAIOSFODNN7SECRETS"),
    (
        "aws-secret-key",
        "AWS_SECRET_ACCESS_KEY=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",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETSKEY",
    ),
    (
        "aws-session-token",
        'aws_session_token = "FwoGZXIvYXdzEBYaDKx9Zq1longtoken"',
        "FwoGZXIvYXdzEBYaDKx9Zq1longtoken",
    ),
    (
        "presigned-url-signature",
        "GET https://b.s3.amazonaws.com/o?X-Amz-Signature=9f8e7d6c5b4a39281706f5e4d3c2b1a0&x=1",
        "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
    ),
    (
        "azure-sas-token",
        "https://a.blob.core.windows.net/c?sv=2021-08-06&sig=AbCdEf1234567890%2BxyZ%3D",
        "AbCdEf1234567890%2BxyZ%3D",
    ),
    (
        "azure-storage-key",
        "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=q9Xz+8w7v6u5t4s3r2q1p0o9n8m7l6k5==;"
        "EndpointSuffix=core.windows.net",
        "q9Xz+8w7v6u5t4s3r2q1p0o9n8m7l6k5==",
    ),
    (
        "azure-client-secret",
        "secret Abc8Q~q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7 set",
        "Abc8Q~q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7",
    ),
    (
        "gcp-api-key",
        "https://maps.googleapis.com/x?key=AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
        "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
    ),
    (
        "gcp-service-account",
        '"private_key_id": "3f2a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a"',
        "3f2a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a",
    ),
    ("private-key-base64", f"client-key-data: {PEM_B64}", PEM_B64),
    ("jwt", f"token {JWT} end", "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"),
    (
        "bearer-token",
        "Authorization: Bearer ya29.a0AfH6SMBx9longopaquetoken",
        "ya29.a0AfH6SMBx9longopaquetoken",
    ),
    ("basic-auth", "Authorization: Basic dXNlcjpzM2NyM3QtcGFzcw==", "dXNlcjpzM2NyM3QtcGFzcw=="),
    ("url-credentials", "dial postgres://kubecost:Sup3rS3cret@db:5432/kc", "Sup3rS3cret"),
    ("password", 'level=error msg="login" password=Hunter2-x9', "Hunter2-x9"),
    ("password", '{"user":"a","password":"c0rrect-h0rse"}', "c0rrect-h0rse"),
    ("password", "Host=db;Database=kc;Username=u;Password=Pa55w0rd!;", "Pa55w0rd!"),
    ("token", "curl 'https://x/api?access_token=0a1b2c3d4e5f&y=2'", "0a1b2c3d4e5f"),
    ("client-secret", "  clientSecret: oidc-s3cret-Value", "oidc-s3cret-Value"),
    ("kubecost-token", '{"kubecostToken": "a2VjLXRva2VuLXZhbHVlLTk5"}', "a2VjLXRva2VuLXZhbHVlLTk5"),
    (
        "kubecost-product-key",
        'values {"productKey":{"enabled":true,"key":"KC-PROD-1234-ABCD"}}',
        "KC-PROD-1234-ABCD",
    ),
    (
        "slack-token",
        "xoxb-23984754863-2348975623000-AAAAANzjawSSE9krECohd",
        "xoxb-23984754863-2348975623000-AAAAANzjawSSE9krECohd",
    ),
    (
        "slack-webhook",
        "https://hooks.slack.com/services/T11111AA/BAAAA111A/qKirRWalryBGqKirRWalryBG",
        "qKirRWalryBGqKirRWalryBG",
    ),
    (
        "github-token",
        "git clone https://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@github.com/o/r",
        "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",
    ),
    ("gitlab-token", "PRIVATE-TOKEN glpat-Ab3dEf6hIj9kLm2nOp5q", "glpat-Ab3dEf6hIj9kLm2nOp5q"),
    ("stripe-api-key", "sk_live_AAAAAAAAAAAAAAAAAAAAAAAA", "sk_live_AAAAAAAAAAAAAAAAAAAAAAAA"),
    (
        "npm-token",
        "//registry.npmjs.org/:_authToken=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",
        "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",
    ),
]


@pytest.mark.parametrize(("rule", "text", "secret"), CASES, ids=[c[0] for c in CASES])
def test_builtin_rule_removes_secret(redactor: Redactor, rule: str, text: str, secret: str) -> None:
    out = redactor.redact_text(text)
    assert secret not in out
    assert f"«redacted:{rule}:" in out


def test_private_key_block_keeps_markers_and_line_count(redactor: Redactor) -> None:
    body = "\n".join(["MIIEpAIBAAKCAQEAofK8b+E05flh5fDQ5N0UebH3U0iSP5QtV6YYJtikwCALKq0Y"] * 4)
    text = f"key:\n-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----\nafter\n"
    out = redactor.redact_text(text)
    assert "MIIEpAIBAAKCAQEA" not in out
    assert out.count("\n") == text.count("\n")
    assert "-----BEGIN RSA PRIVATE KEY-----" in out and "after" in out
    assert out.count("«redacted:private-key:") == 1


def test_escaped_private_key_in_json_and_multiline_give_same_token(redactor: Redactor) -> None:
    line = "MIIEpAIBAAKCAQEAofK8b+E05flh5fDQ5N0UebH3U0iSP5QtV6YYJtikwCALKq0Y"
    multi = redactor.redact_text(
        f"-----BEGIN PRIVATE KEY-----\n{line}\n{line}\n-----END PRIVATE KEY-----\n"
    )
    escaped = redactor.redact_text(
        f'{{"private_key": "-----BEGIN PRIVATE KEY-----\\n{line}\\n{line}\\n-----END PRIVATE KEY-----\\n"}}'
    )
    token = re.search("«redacted:private-key:[0-9a-f]+»", multi)
    assert token is not None and token.group(0) in escaped


@pytest.mark.parametrize(
    "text",
    [
        "rbac.authorization.k8s.io/v1 ClusterRoleBinding kubecost-cost-analyzer",
        "uid=203db13e-70c7-462b-9a3d-bf32640cb0be pod=kubecost-cost-analyzer-7d9f8b6c5d-x2k9p",
        "image: gcr.io/kubecost1/cost-model@sha256:514b5bd41b36c20014cd237c8aa7eec548e02df0b5d289ae15385eb2a8c6eebf",
        "volumeMounts: secretName: kubecost-cloud-integration, tokenPath: /var/run/token",
        "failed to get token: connection refused",
        "secrets: etcd-client-0,localhost-recovery-client-token-0",
        "-----BEGIN PRIVATE KEY-----\n***\n-----END PRIVATE KEY-----",
        "gXX_wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx",
        "password: ${DB_PASSWORD}",
        '"automountServiceAccountToken": false,',
        "Bearer realm=kubecost",
        "cmd.go:83] &{<nil> true map[cert-secrets:0xc0006f8780 configmaps:0xc0006f8320]",
        '"name": "secret", "value": 1764',
    ],
)
def test_look_alikes_stay(redactor: Redactor, text: str) -> None:
    assert redactor.redact_text(text) == text


def test_same_secret_same_token_across_files_and_rules(redactor: Redactor) -> None:
    a = redactor.redact_text("password=Sup3rS3cret", name="a.log")
    b = redactor.redact_text("postgres://u:Sup3rS3cret@db/x", name="b.log")
    digest_a = a.split(":")[-1]
    assert digest_a in b
    assert redactor.report.counts_by_file["a.log"]["password"] == 1


def test_key_controls_pseudonyms() -> None:
    one, two = Redactor(key=b"1"), Redactor(key=b"2")
    assert one.redact_text("token=abcdef123") == Redactor(key=b"1").redact_text("token=abcdef123")
    assert one.redact_text("token=abcdef123") != two.redact_text("token=abcdef123")


def test_mapping_holds_originals_and_report_never_does(redactor: Redactor) -> None:
    out = redactor.redact_text("password=Hunter2-x9")
    token = out.split("=", 1)[1]
    assert redactor.mapping[token] == "Hunter2-x9"
    assert "Hunter2-x9" not in repr(redactor.report.to_dict())


def test_plugin_rule_registers_like_builtins() -> None:
    own = DetectorRegistry()
    own.register(
        PatternRule(
            name="acme-key",
            description="ACME keys",
            triggers=(r"acme_[0-9]{8}",),
            pattern=re.compile(rb"(?P<secret>acme_[0-9]{8})"),
        )
    )
    own.register(KeyRule(name="acme-cred", description="ACME creds", exact=("acmeCred",)))
    rules = RuleSet(tuple(own.pattern_rules()), tuple(own.key_rules()))
    out = Redactor(rules, key=b"k").redact_text("x acme_12345678 acmeCred=zz-top-99")
    assert "acme_12345678" not in out and "zz-top-99" not in out


def test_registry_refuses_duplicates() -> None:
    rule = registry.pattern_rules()[0]
    with pytest.raises(Exception, match="already registered"):
        registry.register(rule)


def test_builtin_names_are_kebab_case_and_described() -> None:
    for rule in [*registry.pattern_rules(("secret", "pseudonym")), *registry.key_rules()]:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name)
        assert rule.description
